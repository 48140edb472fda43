"""The runtime every service shares: database, bus, relay, consumers, and the app around them."""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import logs, tracing
from shared.auth import TokenVerifier
from shared.bus import Bus
from shared.clock import utcnow
from shared.consumer import Consumer, ConsumerSpec
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.migrate import upgrade
from shared.eventstore import EventStore
from shared.groupcommit import GroupCommitter
from shared.personal.subjects import Subjects, load_pepper
from shared.problems import BodyLimit, install_problem_handlers
from shared.settings import ServiceSettings

if TYPE_CHECKING:
    from shared.relay import OutboxRelay

READY_TIMEOUT = 1.0  # seconds `/ready` waits for the database to take a write

log = logging.getLogger(__name__)
access = logging.getLogger(f"{__name__}.access")


class Runtime:
    """What a running service holds: engine, sessions, bus and consumers, and (for a service that
    records events) its event store and the outbox relay that publishes them.

    A service whose tables hold no event store (no `events` and `outbox`: reporting only reads
    the log) runs without a store and a relay; asking it for either is an error.
    """

    def __init__(self, settings: ServiceSettings, metadata: MetaData) -> None:
        from shared.personal.vault import Vault
        from shared.relay import OutboxRelay

        self.settings = settings
        self.metadata = metadata
        self.engine = make_engine(settings.database_url, busy_timeout=settings.db_busy_timeout,
                                  inline_commit_limit=settings.db_inline_commit_limit)
        self.sessions = make_sessionmaker(self.engine)
        self.bus = Bus(settings.nats_url, settings.nats_stream, name=settings.service,
                       replicas=settings.nats_replicas)
        # Personal fields: sealed with keys in a store of their own (shared.personal).
        self.vault = Vault.for_service(settings, self.bus)
        self.committer = GroupCommitter(self.sessions,
                                        sqlite=settings.database_url.startswith("sqlite"))
        self.records_events = "events" in metadata.tables
        self._store: EventStore | None = None
        self._relay: OutboxRelay | None = None
        if self.records_events:
            self._store = EventStore(metadata, settings.service, vault=self.vault)
            self._relay = OutboxRelay(self.sessions, metadata, self.bus,
                                      batch=settings.relay_batch,
                                      transaction=self.committer.transaction,
                                      before_publish=self.vault.keys.push)
        self.consumers: list[Consumer] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._subjects: Subjects | None = None

    @property
    def subjects(self) -> Subjects:
        """Derives data subject ids with the installation's pepper (read on first use)."""
        if self._subjects is None:
            self._subjects = Subjects(load_pepper(self.settings))
        return self._subjects

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
        """Prepare the key store, connect to NATS in the background, start relay and consumers."""
        await self.vault.start()
        if "events" in self.metadata.tables:  # a service that records events
            async with self.sessions() as session:
                await self.vault.reapply_erasures(session, self.metadata.tables["events"])
        self.bus.start()
        if self._relay is not None:
            self.spawn(self._relay.run(), "outbox-relay")
        for consumer in self.consumers:
            consumer.vault = self.vault
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
        await self.vault.close()

    async def database_check(self, timeout: float = READY_TIMEOUT) -> str:
        """`ok` when the database takes a write now (within `timeout` seconds), else why not.

        A write, not a read: a SQLite database locked by another writer still answers reads,
        and a request that writes would wait out the busy timeout and fail. The write changes
        nothing (an UPDATE of no row), but takes the write lock as any command does."""
        sqlite = self.settings.database_url.startswith("sqlite")
        probe = text("UPDATE dead_letters SET error = error WHERE 1 = 0")
        try:
            async with asyncio.timeout(timeout + 1.0), self.engine.connect() as conn:
                if sqlite:
                    await conn.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout * 1000)}")
                else:
                    await conn.execute(text(f"SET lock_timeout = '{int(timeout * 1000)}ms'"))
                try:
                    await conn.execute(probe)
                    await conn.rollback()
                finally:
                    if sqlite:
                        busy = int(self.settings.db_busy_timeout * 1000)
                        await conn.exec_driver_sql(f"PRAGMA busy_timeout={busy}")
                    else:
                        await conn.rollback()
                        await conn.execute(text("RESET lock_timeout"))
                        await conn.commit()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            detail = (str(exc).splitlines() or [""])[0][:200]
            return f"unavailable: {type(exc).__name__}" + (f" ({detail})" if detail else "")
        return "ok"

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


class _Histogram:
    """One Prometheus histogram family: cumulative bucket counts, sum and count per label set."""

    # Prometheus's default buckets, in seconds: a request from 5 ms to 10 s.
    BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

    def __init__(self) -> None:
        self.counts: dict[tuple[str, ...], list[int]] = {}
        self.sums: dict[tuple[str, ...], float] = {}

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        """Count one observation (in the first bucket it fits; +Inf is the last slot)."""
        counts = self.counts.get(labels)
        if counts is None:
            counts = self.counts[labels] = [0] * (len(self.BUCKETS) + 1)
            self.sums[labels] = 0.0
        counts[bisect.bisect_left(self.BUCKETS, value)] += 1
        self.sums[labels] += value

    def lines(self, name: str, label_names: tuple[str, ...], fixed: str) -> list[str]:
        """The `_bucket`, `_sum` and `_count` samples, labels `fixed` first."""
        out = []
        for labels in sorted(self.counts):
            tags = fixed + "".join(f',{k}="{_escape(v)}"'
                                   for k, v in zip(label_names, labels, strict=True))
            running = 0
            for bound, n in zip((*self.BUCKETS, "+Inf"), self.counts[labels], strict=True):
                running += n
                out.append(f'{name}_bucket{{{tags},le="{bound}"}} {running}')
            out.append(f"{name}_sum{{{tags}}} {self.sums[labels]:.6f}")
            out.append(f"{name}_count{{{tags}}} {running}")
        return out


def _escape(value: str) -> str:
    """A label value as the text format wants it."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    """A small Prometheus text exposition: request counts and latencies, plus what the runtime
    holds (appends, outbox, consumers, dead letters, group commits) read at scrape time."""

    # Scraped and probed every few seconds: logged at DEBUG, not INFO.
    QUIET = frozenset({"/health", "/ready", "/metrics"})

    def __init__(self, service: str = "service") -> None:
        self.service = service
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.latency = _Histogram()
        self.tracer = tracing.tracer()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Pure ASGI middleware: a server span per request (a child of its `traceparent`),
        its log lines bound to this service, counted and timed by method, route and status.

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

            started = time.perf_counter()
            with tracing.server_span(self.tracer, scope) as span, logs.bound(service=self.service):
                try:
                    await app(scope, receive, send_and_note)
                finally:
                    elapsed = time.perf_counter() - started
                    method = scope["method"]
                    path = getattr(scope.get("route"), "path", "unmatched")
                    self.requests[(method, path, status)] += 1
                    self.latency.observe((method, path), elapsed)
                    tracing.finish_server_span(span, method, path, status)
                    access.log(logging.DEBUG if path in self.QUIET else logging.INFO,
                               "%s %s %d %.1f ms", method, scope.get("path", ""), status,
                               elapsed * 1000, extra={"http_method": method, "http_route": path,
                                                      "http_status": status,
                                                      "duration_ms": round(elapsed * 1000, 3)})

        return count

    async def render(self, runtime: Runtime) -> str:
        """The metrics as Prometheus text (each family's lines together, TYPE first)."""
        name = runtime.settings.service
        svc = f'service="{_escape(name)}"'
        lines: list[str] = []

        def family(metric: str, kind: str, help_: str, samples: list[str]) -> None:
            lines.append(f"# HELP {metric} {help_}")
            lines.append(f"# TYPE {metric} {kind}")
            lines.extend(samples)

        family("licensing_http_requests_total", "counter", "HTTP requests answered.", [
            f'licensing_http_requests_total{{{svc},method="{method}",'
            f'path="{_escape(path)}",status="{status}"}} {n}'
            for (method, path, status), n in sorted(self.requests.items())])
        family("licensing_http_request_duration_seconds", "histogram",
               "Time to answer an HTTP request, by route.",
               self.latency.lines("licensing_http_request_duration_seconds",
                                  ("method", "route"), svc))
        if runtime.records_events:  # a consumer-only service has no store or outbox
            family("licensing_events_appended_total", "counter",
                   "Events this process appended to its store (committed).",
                   [f"licensing_events_appended_total{{{svc}}} "
                    f"{runtime.relay.traces.appended}"])
        family("licensing_group_commits_total", "counter", "Group commits.",
               [f"licensing_group_commits_total{{{svc}}} {runtime.committer.commits}"])
        family("licensing_group_commit_bodies_total", "counter",
               "Units of work committed in groups.",
               [f"licensing_group_commit_bodies_total{{{svc}}} {runtime.committer.bodies}"])
        family("licensing_group_commit_size", "summary",
               "Units of work per group commit (sum over count: the mean size).",
               [f"licensing_group_commit_size_sum{{{svc}}} {runtime.committer.bodies}",
                f"licensing_group_commit_size_count{{{svc}}} {runtime.committer.commits}"])
        if runtime.records_events:
            pending, age = await self._outbox_lag(runtime)
            family("licensing_outbox_pending", "gauge", "Events waiting in the outbox.",
                   [f"licensing_outbox_pending{{{svc}}} {pending}"])
            family("licensing_outbox_oldest_age_seconds", "gauge",
                   "Age of the oldest event waiting in the outbox (0 when none waits).",
                   [f"licensing_outbox_oldest_age_seconds{{{svc}}} {age:.3f}"])
            family("licensing_events_published_total", "counter",
                   "Events the relay published.",
                   [f"licensing_events_published_total{{{svc}}} {runtime.relay.published}"])
        dead = await self._dead_letters(runtime)
        family("licensing_dead_letters", "gauge", "Messages this service could not handle.",
               [f"licensing_dead_letters{{{svc}}} {sum(dead.values())}"])
        family("licensing_consumer_dead_letters", "gauge",
               "Messages each durable consumer could not handle.",
               [f'licensing_consumer_dead_letters{{{svc},consumer="{_escape(c)}"}} '
                f"{dead.get(c, 0)}" for c in sorted({*dead, *(k.spec.name
                                                              for k in runtime.consumers)})])
        outcomes, lags = [], []
        for consumer in runtime.consumers:
            c = _escape(consumer.spec.name)
            for kind, n in consumer.spec.stats.items():
                outcomes.append(f'licensing_consumer_events_total{{consumer="{c}",'
                                f'outcome="{kind}"}} {n}')
            lag = await consumer.lag()
            if lag is not None:
                lags.append(f'licensing_consumer_lag{{consumer="{c}"}} {lag}')
        family("licensing_consumer_events_total", "counter",
               "Messages each durable consumer handled, by outcome.", outcomes)
        family("licensing_consumer_lag", "gauge",
               "Messages not yet handled by each durable consumer (pending and unacked).", lags)
        family("licensing_nats_connected", "gauge", "1 while connected to NATS.",
               [f"licensing_nats_connected{{{svc}}} {1 if runtime.bus.connected else 0}"])
        return "\n".join(lines) + "\n"

    @staticmethod
    async def _outbox_lag(runtime: Runtime) -> tuple[int, float]:
        """How many events wait in the outbox, and how long the oldest has (seconds)."""
        outbox = runtime.metadata.tables["outbox"]
        async with runtime.sessions() as session:
            pending = int((await session.execute(select(func.count()).select_from(outbox)))
                          .scalar_one())
            oldest = (await session.execute(select(outbox.c.body).order_by(outbox.c.id)
                                            .limit(1))).scalar()
        if oldest is None:
            return pending, 0.0
        recorded = datetime.fromisoformat(json.loads(oldest)["recorded_at"])
        return pending, max((utcnow() - recorded).total_seconds(), 0.0)

    @staticmethod
    async def _dead_letters(runtime: Runtime) -> dict[str, int]:
        """Dead letters per consumer."""
        table = runtime.metadata.tables["dead_letters"]
        async with runtime.sessions() as session:
            rows = await session.execute(select(table.c.consumer, func.count())
                                         .group_by(table.c.consumer))
        return {str(consumer): int(n) for consumer, n in rows}


class Readiness(BaseModel):
    """Whether the service can serve: each dependency `ok` or why not."""

    status: Literal["ready", "not ready"]
    checks: dict[str, str]


def operational_router(metrics: Metrics) -> APIRouter:
    """`/health`, `/ready` and `/metrics`, open to all."""
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="The process is alive")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready", summary="The database and NATS are reachable",
                response_model=Readiness,
                responses={503: {"model": Readiness,
                                 "description": "the database or NATS is unreachable"}})
    async def ready(runtime: RuntimeDep) -> JSONResponse:
        checks: dict[str, str] = {"database": await runtime.database_check()}
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
    personal_records: str = "events",
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """A service app whose lifespan migrates the database, then runs bus, relay and consumers.

    `wire(runtime, app)` registers consumers and anything else the service needs at start;
    `body_limits` gives a route path a body limit of its own (an uploaded file). Every service
    answers the personal-data endpoints (shared.personal.api) for the records of its table
    `personal_records` (its event store, or its copy of the log).
    """
    from shared.personal.api import personal_data_router

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade(migrations, settings.database_url)
        runtime = Runtime(settings, metadata)
        app.state.runtime = runtime
        app.state.verifier = TokenVerifier(
            secret=settings.signing_secret(), jwks_url=settings.jwks_url,
            audience=settings.jwt_audience, issuer=settings.jwt_issuer,
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
    tracing.install(settings.service)
    metrics = Metrics(settings.service)
    app.add_middleware(_Counted, metrics=metrics)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, by_path=body_limits)
    install_problem_handlers(app)
    app.include_router(operational_router(metrics))
    for router in routers:
        app.include_router(router)
    app.include_router(personal_data_router(personal_records))
    return app
