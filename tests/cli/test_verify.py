"""`licensing verify` finds an event edited, deleted, inserted or reordered by hand (the
append-only triggers bypassed), names the stream and the first broken link and exits 1; on
SQLite and PostgreSQL. Its own chain check sees changes inside a stream; the event log, where
every stored event was published, shows the deleted last event, the deleted stream and the
forged event a chain alone cannot."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.db import metadata
from shared.bus import ensure_stream
from shared.contracts import Payload, intake
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.migrate import upgrade
from shared.envelope import Actor, Envelope
from shared.eventstore import EventStore
from shared.topology import NATS_STREAM
from tests.harness import NatsServer

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "intake" / "migrations"
CLERK = Actor(sub="clerk", roles=("customs",))
events = metadata.tables["events"]


def payloads() -> list[Payload]:
    """Three contract-valid intake events."""
    return [m.model_validate(m.examples[0]) for m in (
        intake.ApplicationSubmitted, intake.ShipmentRecorded, intake.ApplicationWithdrawn)]


async def filled(db_url: str, nats_url: str) -> None:
    """Streams A and B of three events and C of one, stored and published as the relay does."""
    await upgrade(MIGRATIONS, db_url)
    engine = make_engine(db_url)
    store = EventStore(metadata, "intake")
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            for stream, count in (("A", 3), ("B", 3), ("C", 1)):
                await store.append(session, stream, payloads()[:count], actor=CLERK)
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        await ensure_stream(js, NATS_STREAM)
        outbox = metadata.tables["outbox"]
        async with make_sessionmaker(engine)() as session, session.begin():
            rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
            for row in rows:
                await js.publish(row.subject, row.body.encode(),
                                 headers={"Nats-Msg-Id": row.event_id})
            await session.execute(delete(outbox))
        await nc.close()
    finally:
        await engine.dispose()


async def bypass_triggers(conn: AsyncConnection) -> None:
    """What someone with the database in hand does first."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
    else:
        await conn.execute(text("DROP TRIGGER IF EXISTS events_no_update"))
        await conn.execute(text("DROP TRIGGER IF EXISTS events_no_delete"))


async def body_of(conn: AsyncConnection, stream: str, version: int) -> Envelope:
    """One stored event as it is now."""
    row = (await conn.execute(select(events.c.body).where(
        (events.c.stream_id == stream) & (events.c.stream_version == version)))).one()
    return Envelope.parse(row.body)


def at(stream: str, version: int) -> Any:
    """The row of one stream position."""
    return (events.c.stream_id == stream) & (events.c.stream_version == version)


async def edit(conn: AsyncConnection) -> None:
    env = json.loads((await body_of(conn, "A", 2)).to_json())
    env["actor"]["sub"] = "mallory"
    await conn.execute(update(events).where(at("A", 2)).values(body=json.dumps(env)))


async def reseal_last(conn: AsyncConnection) -> None:
    # Edited and its hash recomputed: the chain holds, the log does not agree.
    env = (await body_of(conn, "A", 3)).model_copy(update={"actor": Actor(sub="mallory")})
    env = env.sealed()
    await conn.execute(update(events).where(at("A", 3)).values(body=env.to_json(),
                                                               hash=env.hash))


async def delete_middle(conn: AsyncConnection) -> None:
    await conn.execute(delete(events).where(at("A", 2)))


async def delete_last(conn: AsyncConnection) -> None:
    await conn.execute(delete(events).where(at("A", 3)))


async def delete_stream(conn: AsyncConnection) -> None:
    await conn.execute(delete(events).where(events.c.stream_id == "C"))


async def forged(conn: AsyncConnection, after: Envelope, version: int) -> None:
    """A well-formed event sealed onto `after`'s hash, inserted at `version` of stream A."""
    env = after.model_copy(update={"event_id": f"forged-{version}", "stream_version": version,
                                   "prev_hash": after.hash, "actor": Actor(sub="mallory")})
    env = env.sealed()
    await conn.execute(insert(events).values(
        stream_id="A", stream_version=version, event_id=env.event_id, type=env.type,
        recorded_at=env.recorded_at, hash=env.hash, body=env.to_json()))


async def insert_at_end(conn: AsyncConnection) -> None:
    await forged(conn, await body_of(conn, "A", 3), 4)


async def insert_between(conn: AsyncConnection) -> None:
    first = await body_of(conn, "A", 1)
    for version in (3, 2):
        await conn.execute(update(events).where(at("A", version))
                           .values(stream_version=version + 1))
    await forged(conn, first, 2)


async def reorder(conn: AsyncConnection) -> None:
    await conn.execute(update(events).where(at("A", 2)).values(stream_version=99))
    await conn.execute(update(events).where(at("A", 3)).values(stream_version=2))
    await conn.execute(update(events).where(at("A", 99)).values(stream_version=3))


Tamper = Callable[[AsyncConnection], Awaitable[None]]
CASES: dict[str, tuple[Tamper, str, str]] = {
    "edited": (edit, "stream A version 2", "content does not match its hash"),
    "edited and resealed": (reseal_last, "stream A version 3",
                            "differs from the event published to the log"),
    "deleted inside": (delete_middle, "stream A version 2", "missing; next stored is 3"),
    "deleted last": (delete_last, "stream A version 3", "missing from the database"),
    "deleted stream": (delete_stream, "stream C version 1", "missing from the database"),
    "inserted at the end": (insert_at_end, "stream A version 4", "never published"),
    "inserted between": (insert_between, "stream A version 2", "never published"),
    "reordered": (reorder, "stream A version 2", "body names another stream position"),
}


def verify(tmp_path: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`licensing verify` of intake's database at `db_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LICENSING_")}
    return subprocess.run(
        [sys.executable, "-m", "licensing", "verify", "--data-dir", str(tmp_path),
         "--service", "intake", *args], env={**env, "LICENSING_INTAKE_DB": db_url},
        capture_output=True, text=True, timeout=120)


async def test_an_untouched_store_is_intact(db_url: str, nats_server: NatsServer,
                                            tmp_path: Path) -> None:
    await filled(db_url, nats_server.url)
    done = await asyncio.to_thread(verify, tmp_path, db_url, "--nats", nats_server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intake: 3 streams intact (7 events, all as in the log)" in done.stdout


@pytest.mark.parametrize("kind", list(CASES))
async def test_tampering_is_found_and_named(db_url: str, nats_server: NatsServer,
                                            tmp_path: Path, kind: str) -> None:
    tamper, where, why = CASES[kind]
    await filled(db_url, nats_server.url)
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await bypass_triggers(conn)
            await tamper(conn)
    finally:
        await engine.dispose()
    done = await asyncio.to_thread(verify, tmp_path, db_url, "--nats", nats_server.url)
    assert done.returncode == 1, done.stdout + done.stderr
    [link] = [line for line in done.stdout.splitlines() if "first broken link" in line]
    assert f"first broken link: {where}:" in link and why in link, done.stdout


async def test_without_the_log_a_chain_still_finds_what_is_inside_it(
        db_url: str, nats_server: NatsServer, tmp_path: Path) -> None:
    await filled(db_url, nats_server.url)
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await bypass_triggers(conn)
            await reorder(conn)
    finally:
        await engine.dispose()
    done = await asyncio.to_thread(verify, tmp_path, db_url, "--no-log")
    assert done.returncode == 1
    assert "hash chains only" in done.stdout and "stream A version 2" in done.stdout


def test_an_unreachable_database_is_an_error(tmp_path: Path) -> None:
    done = verify(tmp_path, "postgresql://postgres@127.0.0.1:9/nothing", "--no-log")
    assert done.returncode == 2
    assert "intake: cannot read the database at postgresql+asyncpg://postgres@127.0.0.1:9" \
        in done.stdout
