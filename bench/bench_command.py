"""2. Command path without HTTP: events plus outbox rows, one transaction per command."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, insert

from bench.common import POSTGRES_DEFAULT, Row, Section, fmt, log
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
WRITERS = 32  # concurrent writers of the concurrent runs


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


async def _timed_concurrent(n: int, one: Callable[[int], Awaitable[None]],
                            writers: int = WRITERS) -> float:
    """`writers` tasks, each taking the next command when its last one is committed."""
    todo = iter(range(n))

    async def writer() -> None:
        for i in todo:
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    return n / (time.perf_counter() - started)


def _prepare(tag: str, n: int) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """The very rows append writes for n commands, built (and sealed) beforehand."""
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
    return prepared


def _insert_sql(table: Any, columns: list[str], style: str) -> str:
    marks = ", ".join("?" if style == "qmark" else f"${k + 1}" for k in range(len(columns)))
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"


def measure_sqlite_driver(url: str, metadata: MetaData, n: int, tag: str) -> float:
    """The limit: the same rows through the standard sqlite3 driver, one fsync'd transaction
    (WAL, synchronous=FULL) per command, one command after another."""
    path = url.split("///", 1)[1]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        events_t, outbox_t = metadata.tables["events"], metadata.tables["outbox"]
        prepared = _prepare(f"drv-{tag}", n)
        ecols = list(prepared[0][0][0])
        ocols = list(prepared[0][1][0])
        esql, osql = _insert_sql(events_t, ecols, "qmark"), _insert_sql(outbox_t, ocols, "qmark")
        started = time.perf_counter()
        for rows, outbox in prepared:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(esql, [tuple(_sqlite_value(r[c]) for c in ecols) for r in rows])
            conn.executemany(osql, [tuple(r[c] for c in ocols) for r in outbox])
            conn.execute("COMMIT")
        return n / (time.perf_counter() - started)
    finally:
        conn.close()


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy stores a DateTime on SQLite as ISO text.
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


async def measure_asyncpg(url: str, metadata: MetaData, n: int, tag: str) -> float:
    """The limit: the same rows through asyncpg alone, one transaction per command."""
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        events_t, outbox_t = metadata.tables["events"], metadata.tables["outbox"]
        prepared = _prepare(f"apg-{tag}", n)
        ecols = list(prepared[0][0][0])
        ocols = list(prepared[0][1][0])
        esql = _insert_sql(events_t, ecols, "numeric")
        osql = _insert_sql(outbox_t, ocols, "numeric")
        started = time.perf_counter()
        for rows, outbox in prepared:
            async with conn.transaction():
                await conn.executemany(esql, [tuple(r[c] for c in ecols) for r in rows])
                await conn.executemany(osql, [tuple(r[c] for c in ocols) for r in outbox])
        return n / (time.perf_counter() - started)
    finally:
        await conn.close()


async def measure_store(url: str, n: int, runs: int,
                        only: str | None = None) -> dict[str, list[float]]:
    """The driver alone, raw Core insert, EventStore.append in a plain session, and via the group
    committer one after another and from concurrent writers (`only`: just that one of them)."""
    metadata = MetaData()
    add_store_tables(metadata)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = make_sessionmaker(engine)
    store = EventStore(metadata, "intake")
    committer = GroupCommitter(sessions, sqlite=url.startswith("sqlite"))
    events_t, outbox_t = metadata.tables["events"], metadata.tables["outbox"]
    out: dict[str, list[float]] = {"raw": [], "append": [], "groupcommit": [],
                                   "concurrent": [], "driver": []}
    try:
        for run in range(runs):
            tag = uuid.uuid4().hex[:8]
            prepared = _prepare(tag, n) if only in (None, "raw") else []
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

            async def concurrent(i: int, tag: str = tag,
                                 commands: list[Any] = commands) -> None:
                async with committer.transaction() as session:
                    await store.append(session, f"con-{tag}-{i}", commands[i], actor=SYSTEM,
                                       expected_version=0)

            log(f"command path {url.split(':')[0]}: run {run + 1}")
            want = [only] if only else list(out)
            if "driver" in want and url.startswith("sqlite"):
                out["driver"].append(await asyncio.to_thread(
                    measure_sqlite_driver, url, metadata, n, tag))
            elif "driver" in want:
                out["driver"].append(await measure_asyncpg(url, metadata, n, tag))
            for key, how, body in (("raw", _timed, raw), ("append", _timed, append),
                                   ("groupcommit", _timed, grouped),
                                   ("concurrent", _timed_concurrent, concurrent)):
                if key in want:
                    out[key].append(await how(n, body))
    finally:
        await engine.dispose()
    return out


@functools.cache
def _licence_class() -> Any:
    """The peer's aggregate, defined once (eventsourcing registers each class by its topic)."""
    from eventsourcing.domain import Aggregate, event

    class Licence(Aggregate):  # type: ignore[misc]
        @event("ApplicationSubmitted")
        def __init__(self, document: dict[str, Any]) -> None:
            self.document = document

        @event("ApplicationAcknowledged")
        def acknowledge(self, data: dict[str, Any]) -> None:
            self.acknowledged = data

    return Licence


def measure_eventsourcing(path: Path, n: int, runs: int,
                          writers: int = 1) -> list[float]:
    """The eventsourcing library's Application saving the same events to SQLite, from one
    thread or from `writers` threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    from eventsourcing.application import Application

    Licence = _licence_class()  # noqa: N806 - a class
    rates = []
    for run in range(runs):
        app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                               "SQLITE_DBNAME": str(path.with_suffix(f".{writers}.{run}.db")),
                               "SQLITE_POOL_SIZE": str(max(5, writers)),
                               "IS_SNAPSHOTTING_ENABLED": "n"})
        commands = [command_events(i) for i in range(n)]

        def one(i: int, app: Application = app, commands: list[Any] = commands) -> None:
            licence = Licence(commands[i][0].model_dump(mode="json"))
            licence.acknowledge(commands[i][1].model_dump(mode="json"))
            app.save(licence)

        started = time.perf_counter()
        if writers == 1:
            for i in range(n):
                one(i)
        else:
            with ThreadPoolExecutor(writers) as pool:
                list(pool.map(one, range(n)))
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
    """SQLite against the standard driver and the eventsourcing peer, one command after another
    and with 32 writers at once; PostgreSQL against asyncpg alone. Interleaved: each run
    measures ours and the peer back to back, so a change in the machine's load hits both."""
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        section.notes.append(
            f"{n:,} commands per run, {EVENTS_PER_COMMAND} events (+ {EVENTS_PER_COMMAND} outbox "
            f"rows) per command, one after another, and from {WRITERS} concurrent writers "
            f"(asyncio tasks; the peer: threads); medians of {runs} runs, ours and the peer "
            "interleaved in each run")
        sqlite: dict[str, list[float]] = {}
        peer: list[float] = []
        peer_concurrent: list[float] = []
        for i in range(runs):
            one = asyncio.run(measure_store(f"sqlite+aiosqlite:///{tmpdir / 'cmd.db'}", n, 1))
            for key, values in one.items():
                sqlite.setdefault(key, []).extend(values)
            log(f"command path: eventsourcing peer, run {i + 1}")
            peer += measure_eventsourcing(tmpdir / "es", n, 1)
            peer_concurrent += measure_eventsourcing(tmpdir / f"esc{i}", n, 1, writers=WRITERS)
        rows = _judge(section, "SQLite (WAL, synchronous=FULL)", sqlite,
                      "standard sqlite3 driver, one fsync'd transaction per command")
        sync = _sqlite_sync_default(tmpdir / "probe.db")
        p = section.add("peer: eventsourcing Application.save, SQLite, one after another", peer,
                        "commands/s",
                        note=f"eventsourcing's SQLite: WAL, synchronous={sync} (2 = FULL)")
        pc = section.add(f"peer: eventsourcing Application.save, SQLite, {WRITERS} threads",
                         peer_concurrent, "commands/s")
        section.ratio("SQLite runtime.transaction() / eventsourcing", rows["groupcommit"].value,
                      p.value)
        section.ratio(f"SQLite {WRITERS} writers / eventsourcing {WRITERS} threads",
                      rows["concurrent"].value, pc.value)
        section.against("SQLite, one command after another: ≥ 1.0× the eventsourcing peer",
                        rows["groupcommit"], p, 1.0)
        section.against(f"SQLite, {WRITERS} concurrent writers: ≥ 5× the eventsourcing peer",
                        rows["concurrent"], pc, 5.0)
        pg_url = os.environ.get("LICENSING_TEST_POSTGRES_URL") or POSTGRES_DEFAULT
        try:
            url, drop = asyncio.run(create_postgres_database(pg_url))
        except Exception as exc:  # noqa: BLE001 - recorded as not run
            section.not_run("PostgreSQL rows", f"{pg_url} unreachable ({type(exc).__name__})")
            return
        try:
            pg = asyncio.run(measure_store(url, n, runs))
            rows = _judge(section, "PostgreSQL", pg, "asyncpg alone, one transaction per command")
            section.against("PostgreSQL, one command after another: ≥ 0.85× a raw asyncpg "
                            "insert of the same rows", rows["groupcommit"], rows["driver"], 0.85)
        finally:
            with contextlib.suppress(Exception):
                asyncio.run(drop())


def _judge(section: Section, db: str, results: dict[str, list[float]],
           driver: str) -> dict[str, Row]:
    rows = {
        "driver": section.add(f"{db}: limit, {driver}", results["driver"], "commands/s"),
        "raw": section.add(f"{db}: raw SQLAlchemy Core insert of the same rows", results["raw"],
                           "commands/s"),
        "append": section.add(f"{db}: EventStore.append, plain session", results["append"],
                              "commands/s"),
        "groupcommit": section.add(f"{db}: EventStore.append in runtime.transaction() (group "
                                   "committer), one after another", results["groupcommit"],
                                   "commands/s"),
        "concurrent": section.add(f"{db}: EventStore.append in runtime.transaction(), "
                                  f"{WRITERS} concurrent writers", results["concurrent"],
                                  "commands/s"),
    }
    section.ratio(f"{db}: runtime.transaction() / {driver.split(',')[0]}",
                  rows["groupcommit"].value, rows["driver"].value)
    for label, key in (("plain session", "append"), ("runtime.transaction()", "groupcommit")):
        ratio = section.ratio(f"{db}: {label} / raw Core", rows[key].value, rows["raw"].value)
        section.check(f"{db}: {label} ≥ 85% of raw Core insert", f"{fmt((ratio or 0) * 100, 1)}%",
                      ratio is not None and ratio >= 0.85, earlier=True)
    return rows
