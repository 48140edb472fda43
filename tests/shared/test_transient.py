"""A deadlock between two writers is an error that may pass (503 with Retry-After for a request,
a redelivery for a consumer), never a poison message or a 500."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.db.engine import make_engine
from shared.db.transient import may_pass
from tests.harness import create_postgres_database, postgres_url


@pytest.mark.postgres
async def test_the_victim_of_a_deadlock_may_pass_and_a_broken_constraint_may_not() -> None:
    base = postgres_url()
    if base is None:
        pytest.skip("set LICENSING_TEST_POSTGRES_URL to run the PostgreSQL tests")
    url, drop = await create_postgres_database(base)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id int PRIMARY KEY, n int)"))
            await conn.execute(text("INSERT INTO t VALUES (1, 0), (2, 0)"))
        both_hold_one = asyncio.Barrier(2)

        async def write(first: int, second: int) -> BaseException | None:
            try:
                async with engine.begin() as conn:
                    await conn.execute(text("UPDATE t SET n = n + 1 WHERE id = :i"), {"i": first})
                    await both_hold_one.wait()
                    await conn.execute(text("UPDATE t SET n = n + 1 WHERE id = :i"), {"i": second})
            except DBAPIError as exc:
                return exc
            return None

        outcomes = await asyncio.gather(write(1, 2), write(2, 1))
        failed = [o for o in outcomes if o is not None]
        assert len(failed) == 1, outcomes  # the server rolls one back to let the other on
        assert may_pass(failed[0]), failed[0]

        with pytest.raises(IntegrityError) as broken:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1, 0)"))
        assert not may_pass(broken.value)
    finally:
        await engine.dispose()
        await drop()


@pytest.mark.postgres
async def test_connections_the_server_dropped_fail_one_unit_of_work_that_may_pass() -> None:
    """No ping before each checkout: after the server drops the pool's connections (a restart,
    a failover), the next unit of work fails as one that may pass (503 + Retry-After), and the
    ones after it run on new connections."""
    import asyncpg

    from shared.db.engine import make_sessionmaker
    from shared.groupcommit import GroupCommitter

    base = postgres_url()
    if base is None:
        pytest.skip("set LICENSING_TEST_POSTGRES_URL to run the PostgreSQL tests")
    url, drop = await create_postgres_database(base)
    engine = make_engine(url)
    committer = GroupCommitter(make_sessionmaker(engine), sqlite=False)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id int PRIMARY KEY)"))
        for i in range(3):  # several pooled connections, all used
            async with committer.transaction() as session:
                await session.execute(text("INSERT INTO t VALUES (:i)"), {"i": i})
        admin = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            name = url.rsplit("/", 1)[1]
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
        finally:
            await admin.close()
        failures: list[BaseException] = []
        for i in range(10, 13):
            try:
                async with committer.transaction() as session:
                    await session.execute(text("INSERT INTO t VALUES (:i)"), {"i": i})
            except DBAPIError as exc:
                failures.append(exc)
        assert len(failures) == 1  # the first checkout found its connection dropped
        assert may_pass(failures[0])
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT id FROM t ORDER BY id"))).scalars().all()
        assert stored == [0, 1, 2, 11, 12]
    finally:
        await engine.dispose()
        await drop()
