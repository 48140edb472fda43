"""The rebuild command: the whole log folded again into a fresh generation of facts.

A rebuild reads the JetStream log (only the event types that set a fact), reads each message
through its contract as the live consumer does, folds it with the same pure `fact_updates` and
`merge_part` as `evolve`, writes the facts into the next generation in chunks as it goes (so its
memory stays bounded however long the log), and switches the pointer in one transaction;
meanwhile the old generation keeps serving. A message no contract reads (not an envelope, an
unknown type or version, a payload that does not parse) is what the live consumer dead-letters:
the rebuild skips it too, counts it and names its stream sequence, and goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from nats.aio.msg import Msg
from pydantic import Field, ValidationError, create_model
from sqlalchemy import delete, select, update

from services.reporting.db import facts as facts_table
from services.reporting.db import projection_state
from services.reporting.domain.facts import (
    FACTS_VERSION,
    REPORTED_TYPES,
    Facts,
    fact_updates,
    merge_part,
    stamp,
)
from services.reporting.domain.reading import read_envelope
from services.reporting.handlers.projection import parse, state_row, write_facts
from shared.clock import utcnow
from shared.contracts import REGISTRY, UnusableEvent
from shared.envelope import Envelope, subject_for
from shared.errors import Unavailable
from shared.eventlog import LogReader
from shared.service import Runtime

log = logging.getLogger(__name__)

WRITE_EVERY = 10_000  # facts held in memory before a rebuild writes them out
NAMED_SKIPS = 1000  # skipped messages named in the status (all of them are counted)


def reported_subjects() -> list[str]:
    """The subjects of the event types that set a fact: all a rebuild needs to read."""
    # Stream ids hold no dots (see shared.envelope.subject_for), so the type is the 4th token.
    return [subject_for("*", "*", kind) for kind in REPORTED_TYPES]


def fold(facts: Facts, env: dict[str, Any]) -> None:
    """`evolve`, keeping each part's data as its JSON text rather than as parsed objects.

    A rebuild holds thousands of facts at a time: as text they take a fraction of the memory,
    and the garbage collector, which otherwise walks every dict and list of every part again
    and again, has nothing to walk (measured: a third of the rebuild's time went to it).
    """
    for kind, key, part, data in fact_updates(env):
        merge_part(facts.setdefault((kind, key), {}), part, stamp(env, _as_text(data)))


def read_data(data: bytes) -> dict[str, Any]:
    """A stored message as JSON data once `read_envelope` reads it (UnusableEvent if not).

    Its bytes are parsed once for the fold and validated once, the envelope and the payload
    together (a model per event type, the envelope with the contract's payload model in it),
    instead of the envelope from the bytes and then the payload again from the parsed dict. An
    older version (read upcast) or a message that fails goes through `read_envelope` itself, so
    what is skipped, and the reason given, stay the live consumer's.
    """
    try:
        env = parse(data)
    except ValueError:
        read_envelope(data)  # not JSON: raises with the live consumer's reason
        raise
    whole = None
    if isinstance(env, dict):
        source, kind, version = env.get("source"), env.get("type"), env.get("version", 1)
        # Only names and a version are looked up (a list where a name belongs is no key).
        if isinstance(source, str) and isinstance(kind, str) and type(version) is int:
            whole = _whole_model(source, kind, version)
    if whole is None:
        read_envelope(data)
        return env
    try:
        whole.model_validate_json(data)
    except ValidationError:
        read_envelope(data)  # raises with the reason the live consumer gives
    return env


@functools.lru_cache(maxsize=1024)  # bounded: the names come from the log, whatever it holds
def _whole_model(source: str, event_type: str, version: int) -> type[Envelope] | None:
    """The envelope with the newest payload model of its type in it; None when a message of
    this source, type and version is not read as it is stored (unknown, or upcast)."""
    if REGISTRY.newest_version(source, event_type) != version:
        return None
    model = REGISTRY.model(source, event_type)
    return create_model(f"{model.__name__}Envelope", __base__=Envelope,
                        payload=(model, Field(default_factory=dict, validate_default=True)))


def _as_text(data: dict[str, Any]) -> bytearray | dict[str, Any]:
    try:
        # A copy: the bytes orjson returns keep the whole buffer it wrote into (4 KiB at least).
        return bytearray(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
    except TypeError:
        return data  # what orjson cannot write (integers past 64 bits) stays parsed


@dataclass
class Progress:
    """What `GET /v1/projections/status` shows about the running or last rebuild."""

    status: str = "idle"
    position: int = 0
    target: int = 0
    events: int = 0
    events_per_second: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    skipped: int = 0
    skipped_sequences: list[int] = field(default_factory=list)
    last: dict[str, Any] = field(default_factory=dict)

    def skip(self, msg: Msg, reason: str) -> None:
        """Count a message no contract reads, and name it (the first NAMED_SKIPS of them)."""
        sequence = msg.metadata.sequence.stream if msg.metadata is not None else 0
        self.skipped += 1
        if len(self.skipped_sequences) < NAMED_SKIPS:
            self.skipped_sequences.append(sequence)
        log.warning("rebuild skips message %d on %s: %s", sequence, msg.subject, reason)


class Rebuilder:
    """Runs one rebuild at a time in the background and keeps its progress."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.progress = Progress()
        self._task: asyncio.Task[None] | None = None

    async def reset_stale_rebuild(self) -> None:
        """Forget a rebuild a stopped process left half done (its rows are dropped)."""
        async with self.runtime.transaction() as session:
            state = await state_row(session, lock=True)
            if state.building is not None:
                await session.execute(delete(facts_table)
                                      .where(facts_table.c.generation == state.building))
                await session.execute(update(projection_state)
                                      .where(projection_state.c.id == 1).values(building=None))

    async def rebuild_if_stale(self) -> None:
        """Rebuild once when the facts were kept by code that read less of the events (an older
        FACTS_VERSION): as soon as NATS is reachable. Facts that are not there yet need none:
        the live consumer folds the whole log with this code."""
        async with self.runtime.transaction() as session:
            state = await state_row(session, lock=True)
            if state.facts_version == FACTS_VERSION:
                return
            held = (await session.execute(
                select(facts_table.c.key).where(facts_table.c.generation == state.active)
                .limit(1))).first()
            if held is None:
                await session.execute(update(projection_state).where(projection_state.c.id == 1)
                                      .values(facts_version=FACTS_VERSION))
                return
        log.info("facts were kept at version %s, this code keeps version %d: rebuilding",
                 state.facts_version, FACTS_VERSION)
        while True:
            await self.runtime.bus.wait_connected()
            try:
                self.start_rebuild()
                return
            except Unavailable:  # connected, then lost again: wait for the next connection
                await asyncio.sleep(1.0)

    @property
    def rebuilding(self) -> bool:
        """Whether a rebuild runs in this process now."""
        return self._task is not None and not self._task.done()

    def start_rebuild(self) -> bool:
        """Start a rebuild in the background; False when one is already running."""
        if self.rebuilding:
            return False
        if not self.runtime.bus.connected:
            raise Unavailable("NATS is not reachable right now", retry_after=2,
                              code="event-log-unavailable")
        self.progress = Progress(status="rebuilding", started_at=utcnow().isoformat(),
                                 last=self.progress.last)
        self._task = asyncio.ensure_future(self._rebuild())
        self._task.set_name("projection-rebuild")
        return True

    async def wait(self) -> None:
        """Wait for a running rebuild to end."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _rebuild(self) -> None:
        try:
            await self._run_rebuild()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported in the status, the old ones serve on
            log.exception("projection rebuild failed")
            self.progress.status = "idle"
            self.progress.error = f"{type(exc).__name__}: {exc}"
            await self.reset_stale_rebuild()

    async def _run_rebuild(self) -> None:
        bus = self.runtime.bus
        if not await bus.wait_connected(timeout=10.0) or bus.nc is None or bus.js is None:
            raise RuntimeError("NATS is not reachable")
        info = await bus.js.stream_info(bus.stream)
        self.progress.target = int(info.state.last_seq)
        log_events = int(info.state.messages)
        async with self.runtime.transaction() as session:
            state = await state_row(session, lock=True)
            new = int(state.active) + 1
            await session.execute(delete(facts_table).where(facts_table.c.generation >= new))
            await session.execute(update(projection_state).where(projection_state.c.id == 1)
                                  .values(building=new))
        started = time.monotonic()
        reader = LogReader(bus.nc, bus.js, bus.stream, reported_subjects())
        facts, count, written = await self._read(reader, new, started)
        async with self.runtime.transaction() as session:
            state = await state_row(session, lock=True)
            written += await write_facts(session, new, facts)
            await session.execute(update(projection_state).where(projection_state.c.id == 1)
                                  .values(active=new, building=None, rebuilt_at=utcnow(),
                                          facts_version=FACTS_VERSION))
            await session.execute(delete(facts_table)
                                  .where(facts_table.c.generation == state.active))
        self._finished(new, events=max(log_events, count), read=count, facts=written,
                       elapsed=max(time.monotonic() - started, 1e-6))

    async def _read(self, reader: LogReader, generation: int,
                    started: float) -> tuple[Facts, int, int]:
        """Fold the log into facts, writing them into `generation` a chunk at a time as it goes;
        returns the facts not yet written, the events read and the facts written."""
        facts: Facts = {}
        count = written = 0
        writer: asyncio.Task[int] | None = None
        try:
            async for msgs in reader.batches():
                for msg in msgs:
                    try:
                        env = read_data(msg.data)
                    except UnusableEvent as exc:
                        self.progress.skip(msg, str(exc))
                        continue
                    fold(facts, env)
                count += len(msgs)
                self.progress.position = reader.position
                self.progress.events = count
                self.progress.events_per_second = count / max(time.monotonic() - started, 1e-6)
                if len(facts) >= WRITE_EVERY:
                    # Written while the next events are read and folded; one chunk at a time.
                    written += await writer if writer is not None else 0
                    writer = asyncio.ensure_future(self._write(generation, facts))
                    facts = {}
            written += await writer if writer is not None else 0
        finally:
            if writer is not None and not writer.done():
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
        return facts, count, written

    async def _write(self, generation: int, facts: Facts) -> int:
        async with self.runtime.transaction() as session:
            return await write_facts(session, generation, facts)

    def _finished(self, generation: int, *, events: int, read: int, facts: int,
                  elapsed: float) -> None:
        # `events` is the log replayed; `read` the events of it that set a fact (the only ones
        # fetched from JetStream), skipped ones included.
        p = self.progress
        p.events = events
        p.events_per_second = round(events / elapsed, 1)
        p.status = "idle"
        p.finished_at = utcnow().isoformat()
        p.last = {"generation": generation, "events": events, "events_read": read,
                  "facts": facts, "seconds": round(elapsed, 3),
                  "events_per_second": p.events_per_second, "finished_at": p.finished_at,
                  "skipped": p.skipped, "skipped_sequences": list(p.skipped_sequences)}
        log.info("projections rebuilt: generation %d from %d events (%d read, %d skipped) "
                 "in %.2fs", generation, events, read, p.skipped, elapsed)
