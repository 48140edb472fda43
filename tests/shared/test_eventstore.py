"""The event store contract, run against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import utcnow
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.migrate import upgrade
from shared.db.store_tables import add_store_tables, append_only_statements
from shared.envelope import SYSTEM, Envelope
from shared.eventstore import ConcurrencyConflict, EventStore, verify_store
from tests.sample_contracts import SIMPLE

# The services that record events (reporting only reads the log: it keeps no store).
SERVICES = ("intake", "assessment", "denials")


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[tuple[EventStore, async_sessionmaker[AsyncSession],
                                                     MetaData]]:
    """An event store on a fresh database, with the append-only triggers installed."""
    metadata = MetaData()
    add_store_tables(metadata)
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in append_only_statements(engine.dialect.name):
            await conn.execute(text(statement))
    yield EventStore(metadata, "test"), make_sessionmaker(engine), metadata
    await engine.dispose()


async def append(store: EventStore, sessions: async_sessionmaker[AsyncSession], stream: str,
                 *types: str, expected: int | None = None) -> list[Envelope]:
    async with sessions() as session, session.begin():
        return await store.append(session, stream, [SIMPLE[t](n=t) for t in types],
                                  actor=SYSTEM, expected_version=expected)


async def test_appended_events_read_back_in_order_with_a_chain(store) -> None:
    es, sessions, _ = store
    first = await append(es, sessions, "s1", "A", "B")
    second = await append(es, sessions, "s1", "C", expected=2)
    async with sessions() as session:
        events = await es.read(session, "s1")
    assert [e.type for e in events] == ["A", "B", "C"]
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert events[1].prev_hash == first[0].hash
    assert events[2].prev_hash == first[1].hash == second[0].prev_hash
    assert all(e.hash == e.compute_hash() for e in events)


async def test_stale_expected_version_is_a_conflict(store) -> None:
    es, sessions, _ = store
    await append(es, sessions, "s1", "A")
    with pytest.raises(ConcurrencyConflict):
        await append(es, sessions, "s1", "B", expected=0)


async def test_concurrent_appends_to_one_stream_let_exactly_one_win(store) -> None:
    es, sessions, _ = store
    await append(es, sessions, "s1", "A")
    results = await asyncio.gather(
        *(append(es, sessions, "s1", f"B{i}", expected=1) for i in range(5)),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1
    assert all(isinstance(r, (ConcurrencyConflict, DBAPIError)) for r in lost)
    async with sessions() as session:
        assert [e.stream_version for e in await es.read(session, "s1")] == [1, 2]


async def test_append_writes_one_outbox_row_per_event_in_the_same_transaction(store) -> None:
    es, sessions, metadata = store
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await es.append(session, "s1", [SIMPLE["A"]()], actor=SYSTEM)
            raise RuntimeError("the command failed after appending")
    await append(es, sessions, "s2", "A", "B")
    async with sessions() as session:
        outbox = (await session.execute(select(metadata.tables["outbox"].c.subject))).scalars()
        assert list(outbox) == ["lic.test.s2.A", "lic.test.s2.B"]
        assert await es.read(session, "s1") == []


@pytest.mark.parametrize("statement", ["UPDATE events SET type = 'X'", "DELETE FROM events"])
async def test_database_refuses_to_change_stored_events(store, statement: str) -> None:
    es, sessions, _ = store
    await append(es, sessions, "s1", "A")
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessions() as session, session.begin():
            await session.execute(text(statement))


async def test_invalid_stream_ids_are_refused(store) -> None:
    es, sessions, _ = store
    with pytest.raises(ValueError):
        await append(es, sessions, "a.b", "A")


async def test_verify_names_the_first_broken_link_after_a_hand_edit(store, db_url: str) -> None:
    es, sessions, metadata = store
    await append(es, sessions, "good", "A", "B")
    await append(es, sessions, "bad", "A", "B", "C")
    async with sessions() as session:
        assert (await verify_store(session, metadata))[1] == []
    # Someone with database access disables the guard and edits history.
    async with sessions() as session, session.begin():
        if db_url.startswith("sqlite"):
            await session.execute(text("DROP TRIGGER events_no_update"))
        else:
            await session.execute(text("ALTER TABLE events DISABLE TRIGGER events_no_change"))
        await session.execute(text(
            "UPDATE events SET body = replace(body, '\"n\":\"B\"', '\"n\":\"X\"') "
            "WHERE stream_id = 'bad' AND stream_version = 2"))
    async with sessions() as session:
        streams, broken = await verify_store(session, metadata)
    assert streams == 2
    assert [(b.stream_id, b.stream_version) for b in broken] == [("bad", 2)]
    assert "hash" in broken[0].reason


@pytest.mark.parametrize("service", SERVICES)
async def test_service_migrations_create_an_append_only_store(db_url: str, service: str,
                                                              tmp_path: Path) -> None:
    migrations = Path(importlib.import_module(f"services.{service}.app").__file__).parent
    await upgrade(migrations / "migrations", db_url)
    await upgrade(migrations / "migrations", db_url)  # idempotent on a migrated database
    metadata = importlib.import_module(f"services.{service}.db").metadata
    engine = make_engine(db_url)
    try:
        es = EventStore(metadata, "test")  # a made-up producer: only the tables matter here
        sessions = make_sessionmaker(engine)
        await append(es, sessions, "s1", "A")
        with pytest.raises(DBAPIError, match="append-only"):
            async with sessions() as session, session.begin():
                await session.execute(text("DELETE FROM events"))
    finally:
        await engine.dispose()


def test_seal_gives_what_sealed_and_to_json_give() -> None:
    """The store seals with one dump of the model; the hash and text are those of the
    two-step form verify_chain recomputes."""
    env = Envelope(event_id="e-1", type="ApplicationSubmitted", source="intake",
                   stream_id="app-1", stream_version=1, occurred_at=utcnow(),
                   recorded_at=utcnow(), actor=SYSTEM, correlation_id="c",
                   payload={"name": "Çelik Savunma A.Ş.", "value": "1146970000.00",
                            "lines": [{"b": 1, "a": None}], "ratio": 0.1})
    sealed, text = env.seal()
    assert sealed == env.sealed()
    assert text == env.sealed().to_json()
    assert sealed.compute_hash() == sealed.hash
