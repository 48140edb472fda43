"""The fact projections in the database: kept up to date by the consumer, rebuilt from JetStream.

Readers use the active generation. A rebuild reads the JetStream log (only the event types that
set a fact), folds it with the same pure `fact_updates` and `merge_part` as `evolve`, writes the
facts into the next generation in chunks as it goes (so its memory stays bounded however long
the log), and switches the pointer in one transaction; meanwhile the old generation keeps
serving. While a rebuild runs, the live consumer writes every event into both generations;
merging is commutative and idempotent, so the events the rebuild also read, and the ones that
arrived after it started, give the same facts.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
import orjson
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js import api as js_api
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.db import facts as facts_table
from services.reporting.db import log as log_table
from services.reporting.db import projection_state
from services.reporting.domain.facts import (
    REPORTED_TYPES,
    Facts,
    evolve,
    fact_updates,
    merge_part,
    stamp,
)
from shared.clock import utcnow
from shared.envelope import Envelope, subject_for
from shared.service import Runtime

log = logging.getLogger(__name__)


READ_BATCH = 2000  # messages per pull request while rebuilding
REQUEST_EXPIRES = 30.0  # seconds a pull request waits on the server
WRITE_EVERY = 10_000  # facts held in memory before a rebuild writes them out
CHUNK = 2000  # rows per bulk statement


def reported_subjects() -> list[str]:
    """The subjects of the event types that set a fact: all a rebuild needs to read."""
    # Stream ids hold no dots (see shared.envelope.subject_for), so the type is the 4th token.
    return [subject_for("*", "*", kind) for kind in REPORTED_TYPES]


def parse(body: bytes) -> dict[str, Any]:
    """An envelope as a JSON dict; orjson, with the standard parser for what orjson refuses
    (NaN, integers past 64 bits) so that the result never depends on which one read it."""
    try:
        return orjson.loads(body)  # type: ignore[no-any-return]
    except orjson.JSONDecodeError:
        return json.loads(body)  # type: ignore[no-any-return]


def fact_body(fact: dict[str, Any]) -> str:
    """A fact as the JSON text stored in its row (keys sorted, compact)."""
    try:
        return orjson.dumps(fact, default=_embed, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(fact, default=json.loads, sort_keys=True, separators=(",", ":"))


def _embed(value: Any) -> orjson.Fragment:
    if isinstance(value, bytearray):  # a part's data kept as its JSON text (see `fold`)
        return orjson.Fragment(bytes(value))
    raise TypeError(f"{type(value).__name__} is not JSON")


def fold(facts: Facts, env: dict[str, Any]) -> None:
    """`evolve`, keeping each part's data as its JSON text rather than as parsed objects.

    A rebuild holds thousands of facts at a time: as text they take a fraction of the memory,
    and the garbage collector, which otherwise walks every dict and list of every part again
    and again, has nothing to walk (measured: a third of the rebuild's time went to it).
    """
    for kind, key, part, data in fact_updates(env):
        merge_part(facts.setdefault((kind, key), {}), part, stamp(env, _as_text(data)))


def _as_text(data: dict[str, Any]) -> bytearray | dict[str, Any]:
    try:
        # A copy: the bytes orjson returns keep the whole buffer it wrote into (4 KiB at least).
        return bytearray(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
    except TypeError:
        return data  # what orjson cannot write (integers past 64 bits) stays parsed


class LogReader:
    """Reads what a stream holds now on some subjects, oldest first, in batches of message bodies.

    A pull consumer is asked for `batch` messages at a time with two requests outstanding, and
    the messages arrive on a plain subscription whose callback only keeps the body. nats-py's
    `fetch` waits for each message with a timeout of its own (a task per message), and an
    ordered push consumer delivers as fast as the server sends, whatever the reader keeps up
    with; here the next request goes out only when the reader takes a batch, so at most a few
    batches are ever held in memory, however long the log.
    """

    def __init__(self, nc: NATS, js: JetStreamContext, stream: str, subjects: list[str], *,
                 batch: int = READ_BATCH) -> None:
        self.nc, self.js, self.stream, self.subjects, self.batch = nc, js, stream, subjects, batch
        self.target = 0  # messages on the subjects when reading began
        self.position = 0  # stream sequence of the last message of the last batch taken
        self._asked = 0
        self._open: deque[int] = deque()  # messages still due on each outstanding request
        self._bodies: list[bytes] = []
        self._last: Msg | None = None
        self._ready: asyncio.Queue[tuple[list[bytes], Msg | None] | BaseException] = \
            asyncio.Queue()

    async def batches(self) -> AsyncIterator[list[bytes]]:
        """The bodies of every message, in batches, oldest first."""
        info = await self.js.add_consumer(self.stream, js_api.ConsumerConfig(
            deliver_policy=js_api.DeliverPolicy.ALL, ack_policy=js_api.AckPolicy.NONE,
            filter_subjects=self.subjects, inactive_threshold=30.0, mem_storage=True))
        consumer = str(info.name)
        self.target = int(info.num_pending or 0)
        inbox = self.nc.new_inbox()
        sub = await self.nc.subscribe(inbox, cb=self._on_message)
        # The server's own prefix for API subjects ($JS.API unless a domain is set).
        pull = f"{self.js._prefix}.CONSUMER.MSG.NEXT.{self.stream}.{consumer}"
        try:
            taken = 0
            await self._ask(pull, inbox)
            while taken < self.target:
                item = await self._ready.get()
                if isinstance(item, BaseException):
                    raise item
                bodies, last = item
                taken += len(bodies)
                if last is not None and last.metadata is not None:
                    self.position = last.metadata.sequence.stream
                await self._ask(pull, inbox)
                yield bodies
        finally:
            await sub.unsubscribe()
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                await self.js.delete_consumer(self.stream, consumer)

    async def _ask(self, pull: str, inbox: str) -> None:
        # Keep two requests outstanding (the server fills the second while the first is folded),
        # never asking past what the stream held when reading began.
        while len(self._open) < 2 and self._asked < self.target:
            size = min(self.batch, self.target - self._asked)
            self._open.append(size)
            self._asked += size
            request = {"batch": size, "expires": int(REQUEST_EXPIRES * 1e9)}
            await self.nc.publish(pull, json.dumps(request).encode(), reply=inbox)

    async def _on_message(self, msg: Msg) -> None:
        if not msg.data and msg.headers and js_api.Header.STATUS in msg.headers:
            self._on_status(msg.headers)
            return
        self._bodies.append(msg.data)
        self._last = msg
        self._open[0] -= 1
        if self._open[0] == 0:
            self._open.popleft()
            self._hand_over()

    def _on_status(self, headers: dict[str, str]) -> None:
        status = headers.get(js_api.Header.STATUS, "")
        if status in ("404", "408") and self._open:
            # A request ended short (expired): what it still owed is asked again.
            self._asked -= self._open.popleft()
            self._hand_over()
        elif status not in ("100", "404", "408"):
            self._ready.put_nowait(nats.js.errors.APIError(
                code=int(status) if status.isdigit() else None,
                description=headers.get(js_api.Header.DESCRIPTION)))

    def _hand_over(self) -> None:
        self._ready.put_nowait((self._bodies, self._last))
        self._bodies, self._last = [], None


async def load_facts(session: AsyncSession, generation: int) -> Facts:
    """The facts of one generation."""
    rows = await session.execute(
        select(facts_table.c.kind, facts_table.c.key, facts_table.c.body)
        .where(facts_table.c.generation == generation))
    return {(kind, key): json.loads(body) for kind, key, body in rows}


async def write_facts(session: AsyncSession, generation: int, facts: Facts) -> int:
    """Merge facts into a generation's rows (inserting the new ones); returns how many were new.

    The rows already there (an earlier chunk of the same rebuild, or the live consumer's writes
    into the generation being built) are merged with, never overwritten.
    """
    new: Facts = dict(facts)
    changed: list[dict[str, Any]] = []
    for kind in {kind for kind, _ in facts}:
        keys = [key for k, key in facts if k == kind]
        for i in range(0, len(keys), CHUNK):
            rows = await session.execute(
                select(facts_table.c.key, facts_table.c.body)
                .where((facts_table.c.generation == generation) & (facts_table.c.kind == kind)
                       & facts_table.c.key.in_(keys[i:i + CHUNK])))
            for key, body in rows:
                fact = parse(body)
                for part, stamped in new.pop((kind, key)).items():
                    merge_part(fact, part, stamped)
                changed.append({"g": generation, "k": kind, "key_": key,
                                "body": fact_body(fact)})
    if changed:
        await session.execute(
            update(facts_table)
            .where((facts_table.c.generation == bindparam("g"))
                   & (facts_table.c.kind == bindparam("k"))
                   & (facts_table.c.key == bindparam("key_"))),
            changed)
    inserts = [{"generation": generation, "kind": kind, "key": key, "body": fact_body(fact)}
               for (kind, key), fact in new.items()]
    for i in range(0, len(inserts), CHUNK):
        await session.execute(insert(facts_table), inserts[i:i + CHUNK])
    return len(inserts)


async def state_row(session: AsyncSession, *, lock: bool = False) -> Any:
    """The generation pointer (locked for update when asked, on databases that lock rows)."""
    query = select(projection_state).where(projection_state.c.id == 1)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).one()


async def apply_events(session: AsyncSession, envs: Sequence[Envelope]) -> None:
    """Apply events to the facts of the active generation (and of a running rebuild's): folded
    in memory first, then merged into each generation's rows with one read and one write per
    kind."""
    batch: Facts = {}
    for env in envs:
        evolve(batch, env.model_dump(mode="json"))
    if not batch:
        return
    state = await state_row(session, lock=True)
    for generation in [state.active] + ([state.building] if state.building is not None else []):
        await write_facts(session, generation, batch)


async def facts_as_of(session: AsyncSession, as_of: dt.datetime) -> Facts:
    """The facts as they stood at `as_of`: the kept log up to that recorded time, replayed."""
    facts: Facts = {}
    rows = await session.execute(
        select(log_table.c.body).where(log_table.c.recorded_at <= as_of.astimezone(dt.UTC)))
    for body in rows.scalars():
        evolve(facts, json.loads(body))
    return facts


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
    last: dict[str, Any] = field(default_factory=dict)


class Projections:
    """The projection keeper: reads, rebuilds and reports its progress."""

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

    async def current(self) -> tuple[int, Facts]:
        """The active generation and its facts."""
        async with self.runtime.sessions() as session:
            state = await state_row(session)
            return int(state.active), await load_facts(session, state.active)

    async def as_of(self, moment: dt.datetime) -> Facts:
        """The facts as they stood at a recorded time."""
        async with self.runtime.sessions() as session:
            return await facts_as_of(session, moment)

    @property
    def rebuilding(self) -> bool:
        """Whether a rebuild runs in this process now."""
        return self._task is not None and not self._task.done()

    def start_rebuild(self) -> bool:
        """Start a rebuild in the background; False when one is already running."""
        if self.rebuilding:
            return False
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
                                  .values(active=new, building=None, rebuilt_at=utcnow()))
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
            async for bodies in reader.batches():
                for body in bodies:
                    fold(facts, parse(body))
                count += len(bodies)
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
        # fetched from JetStream).
        self.progress.events = events
        self.progress.events_per_second = round(events / elapsed, 1)
        self.progress.status = "idle"
        self.progress.finished_at = utcnow().isoformat()
        self.progress.last = {"generation": generation, "events": events, "events_read": read,
                              "facts": facts, "seconds": round(elapsed, 3),
                              "events_per_second": self.progress.events_per_second,
                              "finished_at": self.progress.finished_at}
        log.info("projections rebuilt: generation %d from %d events (%d read) in %.2fs",
                 generation, events, read, elapsed)

    async def status(self) -> dict[str, Any]:
        """Status, position, lag and speed of the projections."""
        async with self.runtime.sessions() as session:
            state = await state_row(session)
        last_seq: int | None = None
        bus = self.runtime.bus
        if bus.connected and bus.js is not None:
            try:
                last_seq = int((await bus.js.stream_info(bus.stream)).state.last_seq)
            except (nats.errors.Error, TimeoutError):
                last_seq = None
        p = self.progress
        position: int | None
        if self.rebuilding:
            position = p.position
            lag = (last_seq - position) if last_seq is not None else None
            rate = round(p.events_per_second, 1)
        else:
            consumer_lag = await self.runtime.consumers[0].lag() if self.runtime.consumers \
                else None
            lag = consumer_lag
            position = (last_seq - consumer_lag) if (last_seq is not None
                                                     and consumer_lag is not None) else None
            rate = 0.0
        return {"status": "rebuilding" if self.rebuilding else "idle", "position": position,
                "lag": lag, "events_per_second": rate, "generation": int(state.active),
                "building": state.building, "log_last_seq": last_seq,
                "events_replayed": p.events, "target": p.target or None,
                "started_at": p.started_at, "error": p.error,
                "last_rebuild": p.last or None,
                "rebuilt_at": state.rebuilt_at.isoformat() if state.rebuilt_at else None}
