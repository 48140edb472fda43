"""2. Command path without HTTP: events plus outbox rows, one transaction per command."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, insert

from bench.common import POSTGRES_DEFAULT, Section, fmt, log
from shared.clock import utcnow
from shared.contracts import Payload
from shared.contracts.intake import ApplicationSubmitted, ApplicationWithdrawn
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.store_tables import add_store_tables
from shared.envelope import SYSTEM, Envelope
from shared.eventstore import EventStore
from shared.groupcommit import GroupCommitter
from tests.harness import create_postgres_database

EVENTS_PER_COMMAND = 2


def command_events(i: int) -> list[Payload]:
    """A command's events: the submitted application (about 1 KB) and a small follow-up."""
    submitted = ApplicationSubmitted.model_validate(
        {**ApplicationSubmitted.examples[0], "id": f"cmd-{i}", "reference": f"BENCH-{i}"})
    return [submitted, ApplicationWithdrawn(application_id=f"cmd-{i}", reason=None)]


async def _timed(n: int, one: Callable[[int], Awaitable[None]]) -> float:
    started = time.perf_counter()
    for i in range(n):
        await one(i)
    return n / (time.perf_counter() - started)


async def measure_store(url: str, n: int, runs: int) -> dict[str, list[float]]:
    """Raw Core insert, EventStore.append in a plain session, and via the group committer."""
    metadata = MetaData()
    add_store_tables(metadata)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = make_sessionmaker(engine)
    store = EventStore(metadata, "intake")
    committer = GroupCommitter(sessions, sqlite=url.startswith("sqlite"))
    events_t, outbox_t = metadata.tables["events"], metadata.tables["outbox"]
    out: dict[str, list[float]] = {"raw": [], "append": [], "groupcommit": []}
    try:
        for run in range(runs):
            tag = uuid.uuid4().hex[:8]
            # The limit: the very rows append writes, built (and sealed) beforehand.
            prepared = []
            for i in range(n):
                rows, outbox = [], []
                for v, new in enumerate(command_events(i), start=1):
                    env = Envelope(event_id=str(uuid.uuid4()), type=new.event_type,
                                   source="intake", stream_id=f"raw-{tag}-{i}",
                                   stream_version=v, occurred_at=utcnow(),
                                   recorded_at=utcnow(), actor=SYSTEM, correlation_id="c",
                                   payload=new.model_dump(mode="json")).sealed()
                    body = env.to_json()
                    rows.append({"stream_id": env.stream_id, "stream_version": v,
                                 "event_id": env.event_id, "type": env.type,
                                 "recorded_at": env.recorded_at, "hash": env.hash, "body": body})
                    outbox.append({"event_id": env.event_id, "subject": env.subject,
                                   "body": body})
                prepared.append((rows, outbox))
            commands = [command_events(i) for i in range(n)]

            async def raw(i: int, prepared: list[Any] = prepared) -> None:
                rows, outbox = prepared[i]
                async with sessions() as session, session.begin():
                    await session.execute(insert(events_t), rows)
                    await session.execute(insert(outbox_t), outbox)

            async def append(i: int, tag: str = tag,
                             commands: list[Any] = commands) -> None:
                async with sessions() as session, session.begin():
                    await store.append(session, f"app-{tag}-{i}", commands[i], actor=SYSTEM,
                                       expected_version=0)

            async def grouped(i: int, tag: str = tag,
                              commands: list[Any] = commands) -> None:
                async with committer.transaction() as session:
                    await store.append(session, f"grp-{tag}-{i}", commands[i], actor=SYSTEM,
                                       expected_version=0)

            log(f"command path {url.split(':')[0]}: run {run + 1}")
            out["raw"].append(await _timed(n, raw))
            out["append"].append(await _timed(n, append))
            out["groupcommit"].append(await _timed(n, grouped))
    finally:
        await engine.dispose()
    return out


def measure_eventsourcing(path: Path, n: int, runs: int) -> list[float]:
    """The eventsourcing library's Application saving the same events to SQLite."""
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Licence(Aggregate):
        @event("ApplicationSubmitted")
        def __init__(self, document: dict[str, Any]) -> None:
            self.document = document

        @event("ApplicationAcknowledged")
        def acknowledge(self, data: dict[str, Any]) -> None:
            self.acknowledged = data

    rates = []
    for run in range(runs):
        app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                               "SQLITE_DBNAME": str(path.with_suffix(f".{run}.db")),
                               "IS_SNAPSHOTTING_ENABLED": "n"})
        commands = [command_events(i) for i in range(n)]
        started = time.perf_counter()
        for i in range(n):
            licence = Licence(commands[i][0].payload)
            licence.acknowledge(commands[i][1].payload)
            app.save(licence)
        rates.append(n / (time.perf_counter() - started))
        app.close()
    return rates


def _sqlite_sync_default(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        return str(conn.execute("PRAGMA synchronous").fetchone()[0])
    finally:
        conn.close()


def run(section: Section, n: int, runs: int) -> None:
    """SQLite and PostgreSQL against the raw insert; SQLite against eventsourcing."""
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        section.notes.append(
            f"{n:,} commands per run, {EVENTS_PER_COMMAND} events (+ {EVENTS_PER_COMMAND} outbox "
            f"rows) per command, one after another; medians of {runs} runs")
        sqlite = asyncio.run(measure_store(f"sqlite+aiosqlite:///{tmpdir / 'cmd.db'}", n, runs))
        _judge(section, "SQLite (WAL, synchronous=FULL)", sqlite)
        log("command path: eventsourcing peer")
        peer = measure_eventsourcing(tmpdir / "es", n, runs)
        sync = _sqlite_sync_default(tmpdir / "probe.db")
        p = section.add("peer: eventsourcing Application.save, SQLite", peer, "commands/s",
                        note=f"eventsourcing's SQLite: WAL, synchronous={sync} (2 = FULL)")
        subject = section.rows[-3]  # SQLite, runtime.transaction()
        ratio = section.ratio("SQLite runtime.transaction() / eventsourcing", subject.value,
                              p.value)
        section.check("ahead of the eventsourcing peer (SQLite)", f"{fmt(ratio, 2)}×",
                      ratio is not None and ratio > 1)
        pg_url = os.environ.get("LICENSING_TEST_POSTGRES_URL") or POSTGRES_DEFAULT
        try:
            url, drop = asyncio.run(create_postgres_database(pg_url))
        except Exception as exc:  # noqa: BLE001 - recorded as not run
            section.not_run("PostgreSQL rows", f"{pg_url} unreachable ({type(exc).__name__})")
            return
        try:
            pg = asyncio.run(measure_store(url, n, runs))
            _judge(section, "PostgreSQL", pg)
        finally:
            with contextlib.suppress(Exception):
                asyncio.run(drop())


def _judge(section: Section, db: str, results: dict[str, list[float]]) -> None:
    raw = section.add(f"{db}: limit, raw Core insert of the same rows", results["raw"],
                      "commands/s")
    plain = section.add(f"{db}: EventStore.append, plain session", results["append"],
                        "commands/s")
    grouped = section.add(f"{db}: EventStore.append in runtime.transaction() (group committer)",
                          results["groupcommit"], "commands/s")
    for label, row in (("plain session", plain), ("runtime.transaction()", grouped)):
        ratio = section.ratio(f"{db}: {label} / raw", row.value, raw.value)
        section.check(f"{db}: {label} ≥ 85% of raw", f"{fmt((ratio or 0) * 100, 1)}%",
                      ratio is not None and ratio >= 0.85)
