"""The inline SQLite dialect: statements in the loop's thread, lock waits and commits off it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import make_engine, make_sessionmaker
from shared.db.inline_sqlite import INLINE_COMMIT_LIMIT, InlineConnection, StreamingCursor


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncEngine:
    # Commits always in a worker thread (as on a slow disk), the case with the most to get right.
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}", busy_timeout=10.0,
                         inline_commit_limit=0)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
    yield engine
    await engine.dispose()


async def test_the_configured_url_runs_on_the_inline_dialect(engine: AsyncEngine) -> None:
    assert engine.dialect.driver == "inline"
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, InlineConnection)
        journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
        synchronous = (await conn.exec_driver_sql("PRAGMA synchronous")).scalar_one()
    assert (journal, synchronous) == ("wal", 2)  # WAL, FULL: durability as before


async def test_a_commit_is_durable_and_a_rollback_leaves_nothing(
        engine: AsyncEngine, tmp_path: Path) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO t (n) VALUES (1)"))
    async with sessions() as session:
        await session.execute(text("INSERT INTO t (n) VALUES (2)"))
        await session.rollback()
    other = sqlite3.connect(tmp_path / "inline.db")
    try:
        assert other.execute("SELECT n FROM t").fetchall() == [(1,)]
    finally:
        other.close()


async def test_waiting_for_the_lock_leaves_the_loop_free_for_its_holder(
        engine: AsyncEngine) -> None:
    """The lock is held by a transaction of this very loop: waiting for it inline would block
    the loop, and so the holder, for the whole busy timeout."""
    sessions = make_sessionmaker(engine)
    holder_has_lock = asyncio.Event()
    waiter_started = asyncio.Event()
    ticks = 0

    async def holder() -> None:
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO t (n) VALUES (10)"))
            holder_has_lock.set()
            await waiter_started.wait()
            await asyncio.sleep(0.3)  # the waiter is waiting for the lock by now

    async def waiter() -> None:
        await holder_has_lock.wait()
        waiter_started.set()
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO t (n) VALUES (11)"))

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    tick = asyncio.create_task(ticker())
    try:
        await asyncio.wait_for(asyncio.gather(holder(), waiter()), timeout=8.0)
    finally:
        tick.cancel()
    assert ticks > 5  # the loop went on while the waiter waited
    async with sessions() as session:
        rows = (await session.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
    assert rows == [10, 11]


async def test_a_callers_own_busy_timeout_is_kept_while_waiting(
        engine: AsyncEngine, tmp_path: Path) -> None:
    """/ready probes with a short busy timeout: it must fail at that, not at the engine's."""
    other = sqlite3.connect(tmp_path / "inline.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA busy_timeout=100")
            with pytest.raises(OperationalError, match="locked"):
                await asyncio.wait_for(
                    conn.execute(text("UPDATE t SET n = n WHERE 1 = 0")), timeout=5.0)
            await conn.rollback()
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() == 100
    finally:
        other.execute("ROLLBACK")
        other.close()


class GatedExecutor(ThreadPoolExecutor):
    """A real thread pool whose work waits at a gate: the test holds a commit mid-way."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.submitted = threading.Event()
        self.gate = threading.Event()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        def gated() -> Any:
            self.submitted.set()
            self.gate.wait(10)
            return fn(*args, **kwargs)
        return super().submit(gated)


async def test_a_caller_cancelled_during_its_commit_finds_it_done(
        engine: AsyncEngine) -> None:
    """The commit runs in a worker thread; a cancelled caller is told only once it is over, so
    the connection is never used by two threads at once and goes back to the pool usable."""
    sessions = make_sessionmaker(engine)
    loop = asyncio.get_running_loop()
    executor = GatedExecutor()
    loop.set_default_executor(executor)

    async def write() -> None:
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO t (n) VALUES (20)"))

    task = asyncio.create_task(write())
    for _ in range(1000):  # until the commit is in its thread, held at the gate
        if executor.submitted.is_set():
            break
        await asyncio.sleep(0.01)
    assert executor.submitted.is_set()
    task.cancel()
    await asyncio.sleep(0.2)
    assert not task.done()  # still waiting for its commit, cancelled or not
    executor.gate.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO t (n) VALUES (21)"))
    async with sessions() as session:
        rows = (await session.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
    assert rows == [20, 21]  # the cancelled caller's commit went through


async def test_commits_run_inline_while_they_are_quick_and_off_the_loop_when_slow(
        tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'quick.db'}")  # the 1 ms default
    executor = GatedExecutor()
    executor.gate.set()
    asyncio.get_running_loop().set_default_executor(executor)
    sessions = make_sessionmaker(engine)
    dbapi = engine.dialect.loaded_dbapi

    async def write(n: int) -> None:
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})

    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
        executor.submitted.clear()
        dbapi.commit_seconds = 0.0  # commits have been quick
        await write(1)
        if dbapi.commit_seconds < INLINE_COMMIT_LIMIT:  # this one was quick too
            assert not executor.submitted.is_set()  # inline: no worker thread
        dbapi.commit_seconds = 0.5  # as if the disk had taken half a second per commit
        await write(2)
        assert executor.submitted.is_set()  # a slow disk: the fsync waits in a worker thread
        assert dbapi.commit_seconds < 0.5  # the quick commit pulled the average down
    finally:
        await engine.dispose()


async def test_a_streamed_result_is_read_a_batch_at_a_time(engine: AsyncEngine) -> None:
    """`stream()` (licensing verify reads a whole store so) gets a cursor that fetches as it
    goes, not every row at execute."""
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO t (n) VALUES (:n)"),
                              [{"n": n} for n in range(5000)])
    async with sessions() as session:
        result = await session.stream(text("SELECT n FROM t ORDER BY n"))
        cursor = result._real_result.cursor  # the DBAPI cursor behind the streamed result
        assert isinstance(cursor, StreamingCursor)
        assert not cursor._rows  # nothing read ahead
        seen = [n async for (n,) in result]
    assert seen == list(range(5000))
    async with sessions() as session:  # an ordinary result still reads its rows at once
        rows = (await session.execute(text("SELECT n FROM t WHERE n < 3"))).scalars().all()
    assert rows == [0, 1, 2]
