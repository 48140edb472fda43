"""Group commit: concurrent commands share commits, and a failing one takes no other down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from shared.db.engine import make_engine, make_sessionmaker
from shared.groupcommit import GroupCommitter

metadata = MetaData()
items = Table("items", metadata, Column("name", String(20), primary_key=True),
              Column("n", Integer, nullable=False))


@pytest.fixture
async def committer(db_url: str) -> AsyncIterator[GroupCommitter]:
    # Commits in a worker thread, as on a disk slower than a hand-off (on a fast one SQLite's
    # commits run inline and commands that await nothing never overlap: shared.db.inline_sqlite).
    engine = make_engine(db_url, inline_commit_limit=0)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield GroupCommitter(make_sessionmaker(engine), sqlite=db_url.startswith("sqlite"))
    await engine.dispose()


async def add(committer: GroupCommitter, name: str, n: int, *, fail: bool = False) -> None:
    async with committer.transaction() as session:
        await session.execute(insert(items).values(name=name, n=n))
        if fail:
            raise ValueError("the command refused")


async def count(committer: GroupCommitter) -> int:
    async with committer.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(items))).scalar_one())


async def test_concurrent_commands_commit_together(committer: GroupCommitter) -> None:
    await asyncio.gather(*(add(committer, f"i{n}", n) for n in range(100)))
    assert await count(committer) == 100
    assert committer.bodies == 100
    assert committer.commits < 100


async def test_a_failing_command_is_rolled_back_alone(committer: GroupCommitter) -> None:
    results = await asyncio.gather(
        *(add(committer, f"i{n}", n, fail=(n % 10 == 3)) for n in range(50)),
        add(committer, "i0", 99),  # a duplicate key fails in the database
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 6
    assert sum(isinstance(f, IntegrityError) for f in failures) == 1
    assert await count(committer) == 45


async def test_a_command_inside_a_command_nests(committer: GroupCommitter) -> None:
    async with committer.transaction() as session:
        await session.execute(insert(items).values(name="outer", n=1))
        with pytest.raises(ValueError):
            await add(committer, "inner", 2, fail=True)
    assert await count(committer) == 1
