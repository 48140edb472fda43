"""Async engines and session makers, configured for durability on SQLite and PostgreSQL."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from shared.db import inline_sqlite


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout: float = 30.0) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # pysqlite opens a transaction just before the first INSERT/UPDATE/DELETE; IMMEDIATE makes
    # that a write transaction from its first statement, so the lock is waited for by the busy
    # handler instead of failing with SQLITE_BUSY when a read transaction would upgrade.
    dbapi_connection.isolation_level = "IMMEDIATE"


def make_engine(url: str, *, busy_timeout: float = 30.0,
                inline_commit_limit: float = inline_sqlite.INLINE_COMMIT_LIMIT,
                **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, full fsync and a busy timeout (seconds) on every
    connection, and runs on the inline dialect: its commits run in the event loop's thread while
    they have lately taken less than `inline_commit_limit` seconds (default 5 ms; 0: always in a
    worker thread)."""
    if url.startswith("sqlite"):
        # What users configure (sqlite+aiosqlite://, or sqlite://) runs on the inline dialect.
        inline_sqlite.register()
        url = f"sqlite+{inline_sqlite.NAME}://{url.split('://', 1)[1]}"
        kwargs.setdefault("module", inline_sqlite.InlineDBAPI(inline_commit_limit))
        if "poolclass" not in kwargs and ":memory:" not in url and "mode=memory" not in url:
            # Connections (each with its pragmas) are costly to open and cheap to keep, so pool
            # enough for a burst of concurrent requests.
            kwargs.update(poolclass=AsyncAdaptedQueuePool, pool_size=20, max_overflow=20)
        engine = create_async_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)
        event.listen(engine.sync_engine, "connect",
                     partial(_sqlite_pragmas, busy_timeout=busy_timeout))
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    # No ping before each checkout: it cost a round trip per transaction (a quarter of a command
    # one after another, bench/notes.md). A pooled connection the server dropped fails its one
    # unit of work as one that may pass (503 + Retry-After, a consumer's redelivery:
    # shared.db.transient), and SQLAlchemy then replaces every connection of the pool.
    kwargs.setdefault("pool_pre_ping", False)
    return create_async_engine(url, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
