"""What only PostgreSQL shows: transactions that really run at once on one database.

SQLite lets one writer in at a time, so two appends never overlap and an outbox id is never
committed out of order there. PostgreSQL runs them side by side: two appends on one stream
race on the primary key, and a BIGSERIAL outbox id is taken at insert, so a transaction that
took id 5 may commit after the one that took id 6 was already published.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.bus import Bus
from shared.contracts.intake import ApplicationWithdrawn
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.store_tables import add_store_tables, append_only_statements
from shared.envelope import SYSTEM, Envelope
from shared.eventlog import read_subject
from shared.eventstore import ConcurrencyConflict, EventStore
from shared.relay import OutboxRelay
from shared.settings import async_db_url
from tests.support.system import NatsCluster, postgres_databases, postgres_url, wait_for

pytestmark = pytest.mark.postgres


def event(note: str) -> ApplicationWithdrawn:
    """Intake's event with the smallest payload: the store is under test, not the event."""
    return ApplicationWithdrawn(application_id="a-1", reason=note)


@dataclass
class Store:
    """An event store on a fresh PostgreSQL database."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metadata: MetaData
    events: EventStore


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    """The store tables with their append-only triggers, on a database of this test's own."""
    base = postgres_url()
    if base is None:
        pytest.skip("set LICENSING_TEST_POSTGRES_URL to run the PostgreSQL concurrency tests")
    async with postgres_databases(base, ["store"]) as urls:
        metadata = MetaData()
        add_store_tables(metadata)
        engine = make_engine(async_db_url(urls["store"]))
        try:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
                for statement in append_only_statements("postgresql"):
                    await conn.execute(text(statement))
            yield Store(engine, make_sessionmaker(engine), metadata,
                        EventStore(metadata, "intake"))
        finally:
            await engine.dispose()


async def waiting_on_a_lock(store: Store) -> bool:
    """Whether some session of this database is blocked waiting for a row lock."""
    async with store.sessions() as session:
        n = (await session.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"))).scalar_one()
    return bool(n)


@pytest.mark.parametrize("expected", [None, 1], ids=["unchecked", "expected-version"])
async def test_two_appends_racing_on_one_stream_one_wins_the_other_conflicts(
        store: Store, expected: int | None) -> None:
    async with store.sessions() as session, session.begin():
        await store.events.append(session, "s", [event("Opened")], actor=SYSTEM)
    # Both read the stream at version 1 before either commits: the second one's insert of
    # version 2 waits on the first one's, and fails once the first commits.
    async with store.sessions() as first:
        await first.begin()
        await store.events.append(first, "s", [event("First")], actor=SYSTEM,
                                  expected_version=expected)

        async def second() -> None:
            async with store.sessions() as session, session.begin():
                await store.events.append(session, "s", [event("Second")], actor=SYSTEM,
                                          expected_version=expected)

        racing = asyncio.create_task(second())
        await wait_for(lambda: waiting_on_a_lock(store), timeout=10,
                       what="the second append to wait on the first one's row")
        await first.commit()
    with pytest.raises(ConcurrencyConflict):
        await racing
    async with store.sessions() as session:
        stream = await store.events.read(session, "s")
    assert [(e.stream_version, e.payload["reason"]) for e in stream] == [(1, "Opened"),
                                                                         (2, "First")]
    assert stream[1].prev_hash == stream[0].hash


async def test_two_appends_racing_to_open_one_stream_one_wins_the_other_conflicts(
        store: Store) -> None:
    async with store.sessions() as first:
        await first.begin()
        await store.events.append(first, "new", [event("Opened")], actor=SYSTEM,
                                  expected_version=0)

        async def second() -> None:
            async with store.sessions() as session, session.begin():
                await store.events.append(session, "new", [event("AlsoOpened")],
                                          actor=SYSTEM, expected_version=0)

        racing = asyncio.create_task(second())
        await wait_for(lambda: waiting_on_a_lock(store), timeout=10,
                       what="the second append to wait on the first one's row")
        await first.commit()
    with pytest.raises(ConcurrencyConflict):
        await racing
    async with store.sessions() as session:
        opened = await store.events.read(session, "new")
    assert [e.payload["reason"] for e in opened] == ["Opened"]


@pytest.fixture
def nats_node(tmp_path: Path) -> Iterator[NatsCluster]:
    """A nats-server of the test's own."""
    server = NatsCluster(tmp_path / "nats", nodes=1).start()
    yield server
    server.stop()


@pytest.fixture
async def bus(nats_node: NatsCluster) -> AsyncIterator[Bus]:
    """A connected bus on it."""
    connection = Bus(nats_node.urls, "LICENSING", name="relay-test")
    connection.start()
    assert await connection.wait_connected(timeout=15)
    yield connection
    await connection.close()


async def logged(url: str) -> list[Envelope]:
    """Every event in the log, in log order."""
    nc = await nats.connect(url)
    try:
        return [env async for _seq, env in read_subject(nc.jetstream(), "LICENSING", "lic.>")]
    finally:
        await nc.close()


async def test_the_relay_publishes_a_transaction_that_commits_after_a_later_one_was_published(
        store: Store, bus: Bus, nats_node: NatsCluster) -> None:
    late = store.sessions()
    await late.begin()
    # The late transaction takes outbox id 1 and stays open.
    [slow] = await store.events.append(late, "slow", [event("Slow")], actor=SYSTEM)
    async with store.sessions() as session, session.begin():
        [fast] = await store.events.append(session, "fast", [event("Fast")], actor=SYSTEM)

    @asynccontextmanager
    async def commit_late_then_clean_up() -> AsyncIterator[AsyncSession]:
        # The relay has read and published id 2 (id 1 was not yet visible); the late
        # transaction commits now, just before the relay deletes what it published.
        if late.in_transaction():
            await late.commit()
            await late.close()
        async with store.sessions() as session, session.begin():
            yield session

    relay = OutboxRelay(store.sessions, store.metadata, bus,
                        transaction=commit_late_then_clean_up)
    assert await relay.publish_batch() == 1
    while await relay.publish_batch():
        pass
    assert await relay.pending() == 0
    # Both published once, in the order they committed.
    assert [e.event_id for e in await logged(nats_node.urls)] == [fast.event_id, slow.event_id]


async def test_the_relay_publishes_every_event_of_concurrent_writers_once_in_stream_order(
        store: Store, bus: Bus, nats_node: NatsCluster) -> None:
    relay = OutboxRelay(store.sessions, store.metadata, bus, batch=16)
    rng = random.Random(13)
    writers, appends = 8, 20

    async def writer(w: int) -> None:
        for n in range(appends):
            async with store.sessions() as session, session.begin():
                await store.events.append(session, f"w{w}", [event(f"write {n}")],
                                          actor=SYSTEM)
                # Commit a little later, so ids commit out of order across writers.
                await asyncio.sleep(rng.random() * 0.01)
            relay.wake()

    relaying = asyncio.create_task(relay.run())
    try:
        await asyncio.gather(*(writer(w) for w in range(writers)))
        await wait_for(lambda: _drained(relay), timeout=30, what="the outbox to drain")
    finally:
        relaying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relaying
    async with store.sessions() as session:
        recorded = (await session.execute(
            select(func.count()).select_from(store.metadata.tables["events"]))).scalar_one()
    published = await logged(nats_node.urls)
    assert recorded == writers * appends
    assert len({e.event_id for e in published}) == len(published) == recorded
    for w in range(writers):
        versions = [e.stream_version for e in published if e.stream_id == f"w{w}"]
        assert versions == list(range(1, appends + 1))


async def _drained(relay: OutboxRelay) -> bool:
    return await relay.pending() == 0
