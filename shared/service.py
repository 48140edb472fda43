"""The runtime every service shares: database, bus, relay, consumers, and the app around them."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import TokenVerifier
from shared.bus import Bus
from shared.consumer import Consumer, ConsumerSpec
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.migrate import upgrade
from shared.eventstore import EventStore
from shared.groupcommit import GroupCommitter
from shared.problems import BodyLimit, install_problem_handlers
from shared.settings import ServiceSettings

if TYPE_CHECKING:
    from shared.relay import OutboxRelay

log = logging.getLogger(__name__)


class Runtime:
    """What a running service holds: engine, sessions, bus and consumers, and (for a service that
    records events) its event store and the outbox relay that publishes them.

    A service whose tables hold no event store (no `events` and `outbox`: reporting only reads
    the log) runs without a store and a relay; asking it for either is an error.
    """

    def __init__(self, settings: ServiceSettings, metadata: MetaData) -> None:
        from shared.relay import OutboxRelay

        self.settings = settings
        self.metadata = metadata
        self.engine = make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.bus = Bus(settings.nats_url, settings.nats_stream, name=settings.service,
                       replicas=settings.nats_replicas)
        self.committer = GroupCommitter(self.sessions,
                                        sqlite=settings.database_url.startswith("sqlite"))
        self.records_events = "events" in metadata.tables
        self._store: EventStore | None = None
        self._relay: OutboxRelay | None = None
        if self.records_events:
            self._store = EventStore(metadata, settings.service)
            self._relay = OutboxRelay(self.sessions, metadata, self.bus,
                                      batch=settings.relay_batch,
                                      transaction=self.committer.transaction)
        self.consumers: list[Consumer] = []
        self._tasks: list[asyncio.Task[Any]] = []

    @property
    def store(self) -> EventStore:
        """The service's event store."""
        if self._store is None:
            raise RuntimeError(f"{self.settings.service} records no events: it has no store")
        return self._store

    @property
    def relay(self) -> OutboxRelay:
        """The relay publishing the service's recorded events."""
        if self._relay is None:
            raise RuntimeError(f"{self.settings.service} records no events: it has no relay")
        return self._relay

    def wake_relay(self) -> None:
        """Tell the relay there is something new to publish (nothing, without a relay)."""
        if self._relay is not None:
            self._relay.wake()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: rolled back alone on error; returns once committed (in a group with
        concurrent ones, see shared.groupcommit), then wakes the relay."""
        async with self.committer.transaction() as session:
            yield session
        self.wake_relay()

    def add_consumer(self, spec: ConsumerSpec) -> Consumer:
        """Register a consumer that starts with the service."""
        if spec.after_commit is None and self._relay is not None:
            spec.after_commit = self._relay.wake
        consumer = Consumer(spec, self.bus, self.sessions, self.metadata,
                            transaction=self.committer.transaction)
        self.consumers.append(consumer)
        return consumer

    def spawn(self, coro: Awaitable[Any], name: str) -> None:
        """Run a background task for the life of the service; a crash is logged."""
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        task.add_done_callback(_log_crash)
        self._tasks.append(task)

    async def start(self) -> None:
        """Connect to NATS in the background and start the relay and consumers."""
        self.bus.start()
        if self._relay is not None:
            self.spawn(self._relay.run(), "outbox-relay")
        for consumer in self.consumers:
            self.spawn(consumer.run(), f"consumer-{consumer.spec.name}")

    async def stop(self) -> None:
        """Stop background work, then close the bus and the engine."""
        pending = set(self._tasks)
        for _attempt in range(10):
            if not pending:
                break
            # A library wait (nats-py uses asyncio.wait_for) may swallow one cancellation on
            # Python 3.11, so cancel again until every task has really ended.
            for task in pending:
                task.cancel()
            _done, pending = await asyncio.wait(pending, timeout=1.0)
        for task in pending:
            log.error("background task %s did not stop", task.get_name())
        await self.bus.close()
        await self.engine.dispose()

    async def dead_letter_count(self) -> int:
        """How many messages this service could not handle."""
        table = self.metadata.tables["dead_letters"]
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(table)))
                       .scalar_one())


def _log_crash(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s crashed", task.get_name(), exc_info=task.exception())


class _Counted:
    """Adapter so `app.add_middleware` can install `Metrics.middleware`."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.call = metrics.middleware(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.call(scope, receive, send)


async def get_runtime(request: Request) -> Runtime:
    """The service's runtime (a FastAPI dependency)."""
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


class Metrics:
    """A small Prometheus text exposition: request counts plus gauges read at scrape time."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, int]] = Counter()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Pure ASGI middleware counting requests by method, route and status.

        Not Starlette's BaseHTTPMiddleware: that one runs every request through an extra task
        and memory stream, which costs a good part of a small request's time.
        """

        async def count(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            status = 500

            async def send_and_note(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, send_and_note)
            finally:
                path = getattr(scope.get("route"), "path", "unmatched")
                self.requests[(scope["method"], path, status)] += 1

        return count

    async def render(self, runtime: Runtime) -> str:
        """The metrics as Prometheus text."""
        name = runtime.settings.service
        lines = ["# TYPE licensing_http_requests_total counter"]
        for (method, path, status), n in sorted(self.requests.items()):
            lines.append(
                f'licensing_http_requests_total{{service="{name}",method="{method}",'
                f'path="{path}",status="{status}"}} {n}'
            )
        lines.append("# TYPE licensing_group_commits_total counter")
        lines.append(f'licensing_group_commits_total{{service="{name}"}} '
                     f"{runtime.committer.commits}")
        lines.append("# TYPE licensing_group_commit_bodies_total counter")
        lines.append(f'licensing_group_commit_bodies_total{{service="{name}"}} '
                     f"{runtime.committer.bodies}")
        if runtime.records_events:
            lines.append("# TYPE licensing_outbox_pending gauge")
            pending = await runtime.relay.pending()
            lines.append(f'licensing_outbox_pending{{service="{name}"}} {pending}')
            lines.append("# TYPE licensing_events_published_total counter")
            lines.append(f'licensing_events_published_total{{service="{name}"}} '
                         f"{runtime.relay.published}")
        lines.append("# TYPE licensing_dead_letters gauge")
        lines.append(f'licensing_dead_letters{{service="{name}"}} '
                     f"{await runtime.dead_letter_count()}")
        lines.append("# TYPE licensing_consumer_events_total counter")
        lines.append("# TYPE licensing_consumer_lag gauge")
        for consumer in runtime.consumers:
            c = consumer.spec.name
            for kind, n in consumer.spec.stats.items():
                lines.append(f'licensing_consumer_events_total{{consumer="{c}",outcome="{kind}"}}'
                             f" {n}")
            lag = await consumer.lag()
            if lag is not None:
                lines.append(f'licensing_consumer_lag{{consumer="{c}"}} {lag}')
        lines.append(f'licensing_nats_connected{{service="{name}"}} '
                     f"{1 if runtime.bus.connected else 0}")
        return "\n".join(lines) + "\n"


def operational_router(metrics: Metrics) -> APIRouter:
    """`/health`, `/ready` and `/metrics`, open to all."""
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="The process is alive")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready", summary="The database and NATS are reachable")
    async def ready(runtime: RuntimeDep) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with runtime.sessions() as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            checks["database"] = f"unavailable: {type(exc).__name__}"
        checks["nats"] = "ok" if runtime.bus.connected else "unavailable"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks},
                            status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics_endpoint(runtime: RuntimeDep) -> PlainTextResponse:
        return PlainTextResponse(await metrics.render(runtime),
                                 media_type="text/plain; version=0.0.4")

    return router


def install_docs(app: FastAPI) -> None:
    """`/docs` with Swagger UI served from this service: an office network has no internet."""
    import fastapi_offline

    static = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs/static", StaticFiles(directory=static), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon.png")


def create_service_app(
    *,
    settings: ServiceSettings,
    metadata: MetaData,
    migrations: Path,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    wire: Callable[[Runtime, FastAPI], Awaitable[None] | None] | None = None,
) -> FastAPI:
    """A service app whose lifespan migrates the database, then runs bus, relay and consumers.

    `wire(runtime, app)` registers consumers and anything else the service needs at start.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade(migrations, settings.database_url)
        runtime = Runtime(settings, metadata)
        app.state.runtime = runtime
        app.state.verifier = TokenVerifier(
            secret=settings.signing_secret(), jwks_url=settings.jwks_url,
            audience=settings.jwt_audience,
        )
        if wire is not None:
            maybe = wire(runtime, app)
            if maybe is not None:
                await maybe
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    install_docs(app)
    metrics = Metrics()
    app.add_middleware(_Counted, metrics=metrics)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    install_problem_handlers(app)
    app.include_router(operational_router(metrics))
    for router in routers:
        app.include_router(router)
    return app
