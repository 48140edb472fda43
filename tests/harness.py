"""Test fixtures' machinery: a real nats-server, real databases, services run in-process."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from licensing.nats_server import free_port, start_nats
from shared.auth import issue_token

TEST_SECRET = "test-secret-" + "x" * 40
POSTGRES_ENV = "LICENSING_TEST_POSTGRES_URL"


class NatsServer:
    """A real nats-server on a free port with JetStream in a directory; stop and restart it."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The client URL."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        """Start (or restart) the server on the same port and store."""
        self.proc = start_nats(self.directory / "jetstream", self.port)
        return self

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def token(*roles: str, state: str | None = None, sub: str = "test") -> str:
    """A token the test services accept."""
    return issue_token(TEST_SECRET, roles=roles, state=state, sub=sub)


def auth(*roles: str, state: str | None = None, sub: str = "test") -> dict[str, str]:
    """An Authorization header for the given roles."""
    return {"Authorization": f"Bearer {token(*roles, state=state, sub=sub)}"}


async def create_postgres_database(base_url: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A fresh, empty PostgreSQL database next to `base_url`; returns its URL and a dropper."""
    import asyncpg

    name = f"lic_{uuid.uuid4().hex[:12]}"
    plain = base_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(plain)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    head, _, _old = plain.rpartition("/")
    url = f"{head}/{name}"

    async def drop() -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    return url.replace("postgresql://", "postgresql+asyncpg://"), drop


def postgres_url() -> str | None:
    """The PostgreSQL server tests may use, if one was given."""
    return os.environ.get(POSTGRES_ENV) or None


@dataclass
class RunningService:
    """A service app running in-process with its lifespan, and a client on it."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def runtime(self) -> Any:
        """The service runtime (engine, store, bus, relay)."""
        return self.app.state.runtime


@asynccontextmanager
async def run_service(name: str, *, data_dir: Path, nats_url: str, db: str | None = None,
                      **overrides: Any) -> AsyncIterator[RunningService]:
    """Start one service in-process (migrations, bus, relay, consumers) and yield a client."""
    settings_cls = importlib.import_module(f"services.{name}.settings").Settings
    create_app = importlib.import_module(f"services.{name}.app").create_app
    settings = settings_cls(data_dir=data_dir, nats_url=nats_url, db=db,
                            jwt_secret=TEST_SECRET, **overrides)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as client:
            yield RunningService(app=app, client=client)


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 10.0,
                     interval: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        with contextlib.suppress(AssertionError):
            last = await check()
            if last:
                return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")
        await asyncio.sleep(interval)


def migrations_of(service: str) -> Path:
    """The Alembic scripts of a service."""
    return Path(__file__).resolve().parents[1] / "services" / service / "migrations"


async def schema_differences(db_url: str, metadata: Any) -> list[Any]:
    """What the database lacks or holds beyond the tables the code declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from shared.db.engine import make_engine

    engine = make_engine(db_url)

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata)
                if not (d[0] == "remove_table" and d[1].name == "alembic_version")]

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def upgrade_to(service: str, db_url: str, revision: str,
                     then: Callable[[Any], Awaitable[None]]) -> None:
    """Migrate an empty database to `revision`, run `then` on it (rows in the old shape), and
    migrate it to the head."""
    from alembic import command

    from shared.db.engine import make_engine
    from shared.db.migrate import alembic_config, upgrade

    engine = make_engine(db_url)
    cfg = alembic_config(migrations_of(service), db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: (cfg.attributes.__setitem__("connection", c),
                                           command.upgrade(cfg, revision)))
            await then(conn)
    finally:
        await engine.dispose()
    await upgrade(migrations_of(service), db_url)


def walkthrough_application(reference: str) -> dict[str, Any]:
    """The README's walk-through application (a radar for Norway's armed forces), received in
    March 2024, under a reference of the caller's."""
    return {
        "reference": reference, "received_at": "2024-03-04T09:30:00+01:00",
        "regime": "military", "transaction": "export", "licence_type": "individual",
        "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
        "destinations": ["NO"],
        "end_user": {"name": "Norwegian Armed Forces", "country": "NO", "type": "armed_forces"},
        "end_use": "air defence",
        "goods": [{"description": "fire control radar", "rating": "ML5a", "quantity": 2,
                   "value_eur": "1250000.00"}],
    }


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another process's write transaction holding a SQLite database's write lock."""
    import sqlite3

    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()
