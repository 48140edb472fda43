"""`licensing verify`: every stream of every service, checked link by link and against the log.

Recomputing each stream's hash chain finds an event edited, inserted, reordered or deleted
inside a stream. It cannot see a stream's last events deleted (or a whole stream), nor an event
appended with a forged but consistent hash: nothing in the database anchors a chain's end. The
JetStream log is that anchor. Every event a service stores is published there from its outbox,
so each database is also compared with the log: an event in the log must be in the database
with the same hash at the same place, and an event in the database must be in the log or still
waiting in the outbox.

The log is read from the NATS of the `licensing up` running on the data dir, `--nats URL`, or
LICENSING_NATS_URL; when none runs, from a copy of the data dir's JetStream store, read by a
nats-server of verify's own (never the store itself: a second server on a live store would
corrupt it).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from nats.js import api as js_api
from sqlalchemy import MetaData, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from licensing.nats_server import free_port, start_nats
from licensing.runstate import read_state
from licensing.settings import cli_settings
from shared.bus import server_urls
from shared.db.engine import make_engine, make_sessionmaker
from shared.envelope import SUBJECT_PREFIX
from shared.eventstore import BrokenLink, verify_chain
from shared.topology import SERVICES

BROKEN, CANNOT_CHECK = 1, 2


@dataclass(frozen=True)
class Stored:
    """Where an event sits in a database, and its hash."""

    stream_id: str
    version: int
    hash: str


@dataclass
class Log:
    """What the log holds for one service: each event id's place and hash."""

    events: dict[str, Stored] = field(default_factory=dict)
    unreadable: int = 0  # messages that are not events at all (counted, not judged here)


class Unchecked(Exception):
    """A database or the log cannot be read; the message says which and why."""


@dataclass
class Verdict:
    """One service's result: streams checked, the first broken link of each broken stream."""

    service: str
    streams: int = 0
    events: int = 0
    broken: dict[str, BrokenLink] = field(default_factory=dict)

    def found(self, link: BrokenLink) -> None:
        """Keep the earliest broken link of a stream."""
        known = self.broken.get(link.stream_id)
        if known is None or link.stream_version < known.stream_version:
            self.broken[link.stream_id] = link


def _database_url(service: str, data_dir: Path) -> str:
    settings = importlib.import_module(f"services.{service}.settings").Settings(
        data_dir=data_dir)
    return str(settings.database_url)


def _shown(url: str) -> str:
    """A database URL fit to print: a SQLite path, or the URL without its password."""
    if url.startswith("sqlite"):
        return url.split("///", 1)[1]
    return make_url(url).render_as_string(hide_password=True)


async def _read_database(session: AsyncSession, metadata: MetaData, verdict: Verdict
                         ) -> tuple[dict[str, Stored], set[str]]:
    """Check every chain; every stored event's place and hash, and the outbox's event ids."""
    events = metadata.tables["events"]
    stored: dict[str, Stored] = {}
    current: str | None = None
    chunk: list[tuple[int, str, str]] = []

    def flush() -> None:
        if current is not None:
            link = verify_chain(current, chunk)
            if link:
                verdict.found(link)

    result = await session.stream(
        select(events.c.stream_id, events.c.stream_version, events.c.event_id, events.c.hash,
               events.c.body).order_by(events.c.stream_id, events.c.stream_version))
    async for stream_id, version, event_id, stored_hash, body in result:
        if stream_id != current:
            flush()
            current, chunk = stream_id, []
            verdict.streams += 1
        chunk.append((version, stored_hash, body))
        stored[str(event_id)] = Stored(stream_id, version, stored_hash)
        verdict.events += 1
    flush()
    # Read after the events: a row that left the outbox meanwhile was published first.
    outbox = metadata.tables["outbox"]
    pending = set((await session.execute(select(outbox.c.event_id))).scalars())
    return stored, pending


def _compare(verdict: Verdict, stored: dict[str, Stored], pending: set[str], log: Log) -> None:
    """The places where the database and the log disagree."""
    for event_id, published in log.events.items():
        mine = stored.get(event_id)
        if mine is None:
            verdict.found(BrokenLink(published.stream_id, published.version,
                                     f"event {event_id} is in the event log but missing from "
                                     "the database (deleted?)"))
        elif (mine.stream_id, mine.version) != (published.stream_id, published.version):
            verdict.found(BrokenLink(mine.stream_id, mine.version,
                                     f"event {event_id} was published as stream "
                                     f"{published.stream_id} version {published.version}"))
        elif mine.hash != published.hash:
            verdict.found(BrokenLink(mine.stream_id, mine.version,
                                     "differs from the event published to the log"))
    for event_id, mine in stored.items():
        if event_id not in log.events and event_id not in pending:
            verdict.found(BrokenLink(mine.stream_id, mine.version,
                                     f"event {event_id} was never published and does not wait "
                                     "in the outbox (inserted by hand?)"))


async def _recheck(session: AsyncSession, metadata: MetaData, stored: dict[str, Stored],
                   ids: Iterable[str]) -> None:
    """Events the log has and the first read did not: appended meanwhile, or truly missing."""
    events = metadata.tables["events"]
    wanted = list(ids)
    for i in range(0, len(wanted), 500):
        rows = await session.execute(
            select(events.c.event_id, events.c.stream_id, events.c.stream_version, events.c.hash)
            .where(events.c.event_id.in_(wanted[i:i + 500])))
        for event_id, stream_id, version, stored_hash in rows:
            stored[str(event_id)] = Stored(stream_id, version, stored_hash)


async def verify_service(service: str, data_dir: Path, reader: LogReader | None
                         ) -> tuple[Verdict, Log | None]:
    """Check one service's database, and compare it with the log when a reader is given.

    The database is read before the log: an event stored and published meanwhile is then in
    the log, and one the log has that the first read missed is looked up again.
    """
    url = _database_url(service, data_dir)
    if url.startswith("sqlite") and not Path(url.split("///", 1)[1]).is_file():  # noqa: ASYNC240
        raise Unchecked(f"no database at {_shown(url)}: is {data_dir} the data dir `licensing "
                        "up` uses? (--data-dir, LICENSING_DATA_DIR)")
    metadata = _metadata(service)
    verdict = Verdict(service)
    log: Log | None = None
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            stored, pending = await _read_database(session, metadata, verdict)
            if reader is not None:
                log = await reader.read(service)
                await _recheck(session, metadata, stored,
                               (e for e in log.events if e not in stored))
                _compare(verdict, stored, pending, log)
    except (SQLAlchemyError, OSError) as exc:
        raise Unchecked(f"cannot read the database at {_shown(url)}: "
                        f"{str(exc).splitlines()[0]}") from exc
    finally:
        await engine.dispose()
    return verdict, log


class LogReader:
    """A connection to the NATS that holds the log, reading what each service published."""

    def __init__(self, url: str, stream: str) -> None:
        self.url, self.stream = url, stream
        self.nc: Any = None

    async def __aenter__(self) -> LogReader:
        try:
            # Every server of a cluster is tried, each twice at most (nats-py counts 0 as "no
            # limit", so it would try an unreachable cluster for ever).
            async with asyncio.timeout(30):
                self.nc = await nats.connect(server_urls(self.url), connect_timeout=3,
                                             max_reconnect_attempts=1, reconnect_time_wait=0.2)
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            raise Unchecked(f"cannot reach NATS at {self.url}: {exc}") from exc
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.nc.close()

    async def read(self, service: str) -> Log:
        """Every event the service published, by event id."""
        log = Log()
        try:
            async for body in _messages(self.nc.jetstream(), self.stream,
                                        f"{SUBJECT_PREFIX}.{service}.>"):
                _note(log, body)
        except (nats.errors.Error, TimeoutError) as exc:
            raise Unchecked(f"cannot read the stream {self.stream} at {self.url}: {exc}"
                            ) from exc
        return log


async def _messages(js: Any, stream: str, subject: str) -> AsyncIterator[bytes]:
    sub = await js.pull_subscribe(subject, stream=stream, config=js_api.ConsumerConfig(
        deliver_policy=js_api.DeliverPolicy.ALL, ack_policy=js_api.AckPolicy.NONE,
        inactive_threshold=30.0, mem_storage=True))
    try:
        remaining = int((await sub.consumer_info()).num_pending or 0)
        while remaining > 0:
            for msg in await sub.fetch(min(1000, remaining), timeout=10.0):
                remaining -= 1
                yield msg.data
    finally:
        with contextlib.suppress(nats.errors.Error, TimeoutError):
            await sub.unsubscribe()


def _note(log: Log, body: bytes) -> None:
    try:
        env = json.loads(body)
        place = Stored(str(env["stream_id"]), int(env["stream_version"]), str(env["hash"]))
        log.events.setdefault(str(env["event_id"]), place)
    except (ValueError, KeyError, TypeError):
        log.unreadable += 1


@contextlib.contextmanager
def _log_source(data_dir: Path, nats_url: str | None) -> Any:
    """The NATS URL to read the log from and how to name it, or (None, why not)."""
    run = read_state(data_dir)
    configured = nats_url or (run.nats_url if run is not None and run.alive else None) \
        or cli_settings().nats_url
    if configured:
        yield configured, configured
        return
    store = data_dir / "nats"
    if not (store / "jetstream").is_dir():
        yield None, f"no NATS runs on {data_dir} and there is no JetStream store in {store}"
        return
    with tempfile.TemporaryDirectory(prefix="licensing-verify-") as copy:
        shutil.copytree(store, Path(copy) / "nats", symlinks=True)
        port = free_port()
        proc = start_nats(Path(copy) / "nats", port)
        try:
            yield f"nats://127.0.0.1:{port}", f"a copy of {store}, read by a nats-server of its own"
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _metadata(service: str) -> MetaData:
    return importlib.import_module(f"services.{service}.db").metadata  # type: ignore[no-any-return]


def recording_services() -> list[str]:
    """The services that keep an event store (reporting only reads the log)."""
    return [s for s in SERVICES if "events" in _metadata(s).tables]


async def verify_all(data_dir: Path, *, services: Iterable[str] | None = None,
                     nats_url: str | None = None, use_log: bool = True) -> int:
    """Print each service's verdict; 1 when a stream is broken, else 2 when something could
    not be read (a database, or a log that was asked for), else 0."""
    recording = recording_services()
    for service in services or ():
        if service not in recording:
            print(f"{service}: keeps no event store (it only reads the log); nothing to check")
    chosen = [s for s in services or recording if s in recording]
    stream = cli_settings().nats_stream
    broken = unchecked = False
    async with contextlib.AsyncExitStack() as stack:
        reader: LogReader | None = None
        if use_log:
            url, name = stack.enter_context(_log_source(data_dir, nats_url))
            if url is None:
                print(f"event log: not checked ({name}); a deleted last event or stream cannot "
                      "be seen without it: pass --nats URL")
            else:
                try:
                    reader = await stack.enter_async_context(LogReader(url, stream))
                    print(f"event log: {name} (stream {stream})")
                except Unchecked as exc:
                    print(f"event log: {exc}")
                    unchecked = True
        else:
            print("event log: not checked (--no-log): hash chains only")
        for service in chosen:
            try:
                verdict, log = await verify_service(service, data_dir, reader)
            except Unchecked as exc:
                print(f"{service}: {exc}")
                unchecked = True
                continue
            broken = _say(verdict, log) or broken
    return BROKEN if broken else CANNOT_CHECK if unchecked else 0


def _say(verdict: Verdict, log: Log | None) -> bool:
    """Print one service's verdict; whether a link is broken."""
    if verdict.broken:
        print(f"{verdict.service}: {verdict.streams} streams, {len(verdict.broken)} BROKEN")
        for link in sorted(verdict.broken.values(),
                           key=lambda b: (b.stream_id, b.stream_version)):
            print(f"  first broken link: {link}")
    else:
        against = ", all as in the log" if log is not None else ""
        print(f"{verdict.service}: {verdict.streams} streams intact ({verdict.events} events"
              f"{against})")
    if log is not None and log.unreadable:
        print(f"  {log.unreadable} messages on {SUBJECT_PREFIX}.{verdict.service}.> are not "
              "events")
    return bool(verdict.broken)
