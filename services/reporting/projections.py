"""The fact projections in the database: kept up to date by the consumer, rebuilt from JetStream.

Readers use the active generation. A rebuild reads the whole JetStream log into memory with the
same pure `evolve`, writes it into the next generation in bulk, and switches the pointer in one
transaction; meanwhile the old generation keeps serving. While a rebuild runs, the live consumer
writes every event into both generations; merging is commutative and idempotent, so the events
the rebuild also read, and the ones that arrived after it started, give the same facts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.js import JetStreamContext
from nats.js import api as js_api
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.db import facts as facts_table
from services.reporting.db import log as log_table
from services.reporting.db import projection_state
from services.reporting.domain.facts import (
    Facts,
    evolve,
    fact_updates,
    merge_facts,
    merge_part,
    stamp,
)
from shared.envelope import Envelope, utcnow
from shared.service import Runtime

log = logging.getLogger(__name__)
CHUNK = 2000


async def read_raw(js: JetStreamContext, stream: str, subject: str, *,
                   batch: int = 5000) -> AsyncIterator[tuple[int, dict[str, Any]]]:
    """Every stored message on `subject` up to now, oldest first, as (seq, JSON dict).

    Plain `json.loads` rather than the envelope model: replay speed matters, and the fact
    updates read only a few fields.
    """
    sub = await js.pull_subscribe(
        subject, stream=stream,
        config=js_api.ConsumerConfig(
            deliver_policy=js_api.DeliverPolicy.ALL, ack_policy=js_api.AckPolicy.NONE,
            inactive_threshold=30.0, mem_storage=True,
        ),
    )
    try:
        info = await sub.consumer_info()
        remaining = int(info.num_pending or 0)
        while remaining > 0:
            msgs = await sub.fetch(min(batch, remaining), timeout=5.0)
            for msg in msgs:
                remaining -= 1
                seq = msg.metadata.sequence.stream if msg.metadata else 0
                yield seq, json.loads(msg.data)
    finally:
        await sub.unsubscribe()


async def load_facts(session: AsyncSession, generation: int) -> Facts:
    """The facts of one generation."""
    rows = await session.execute(
        select(facts_table.c.kind, facts_table.c.key, facts_table.c.body)
        .where(facts_table.c.generation == generation))
    return {(kind, key): json.loads(body) for kind, key, body in rows}


async def state_row(session: AsyncSession, *, lock: bool = False) -> Any:
    """The generation pointer (locked for update when asked, on databases that lock rows)."""
    query = select(projection_state).where(projection_state.c.id == 1)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).one()


async def apply_event(session: AsyncSession, env: Envelope) -> None:
    """Apply one event to the facts of the active generation (and of a running rebuild's)."""
    raw = env.model_dump(mode="json")
    updates = fact_updates(raw)
    if not updates:
        return
    state = await state_row(session, lock=True)
    generations = [state.active] + ([state.building] if state.building is not None else [])
    for generation in generations:
        for kind, key, part, data in updates:
            where = ((facts_table.c.generation == generation) & (facts_table.c.kind == kind)
                     & (facts_table.c.key == key))
            body = (await session.execute(select(facts_table.c.body).where(where))).scalar()
            fact = json.loads(body) if body is not None else {}
            if not merge_part(fact, part, stamp(raw, data)):
                continue
            text = json.dumps(fact, sort_keys=True, separators=(",", ":"))
            if body is None:
                await session.execute(insert(facts_table).values(
                    generation=generation, kind=kind, key=key, body=text))
            else:
                await session.execute(update(facts_table).where(where).values(body=text))


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
        if not await bus.wait_connected(timeout=10.0) or bus.js is None:
            raise RuntimeError("NATS is not reachable")
        info = await bus.js.stream_info(bus.stream)
        self.progress.target = int(info.state.last_seq)
        async with self.runtime.transaction() as session:
            state = await state_row(session, lock=True)
            new = int(state.active) + 1
            await session.execute(delete(facts_table).where(facts_table.c.generation >= new))
            await session.execute(update(projection_state).where(projection_state.c.id == 1)
                                  .values(building=new))
        facts: Facts = {}
        started = time.monotonic()
        count = 0
        async for seq, raw in read_raw(bus.js, bus.stream, "lic.>"):
            evolve(facts, raw)
            count += 1
            self.progress.position = seq
            if count % 5000 == 0:
                self.progress.events = count
                self.progress.events_per_second = count / max(time.monotonic() - started, 1e-6)
                await asyncio.sleep(0)
        self.progress.events = count
        async with self.runtime.transaction() as session:
            state = await state_row(session, lock=True)
            merge_facts(facts, await load_facts(session, new))
            await session.execute(delete(facts_table).where(facts_table.c.generation == new))
            rows = [{"generation": new, "kind": kind, "key": key,
                     "body": json.dumps(fact, sort_keys=True, separators=(",", ":"))}
                    for (kind, key), fact in facts.items()]
            for i in range(0, len(rows), CHUNK):
                await session.execute(insert(facts_table), rows[i:i + CHUNK])
            await session.execute(update(projection_state).where(projection_state.c.id == 1)
                                  .values(active=new, building=None, rebuilt_at=utcnow()))
            await session.execute(delete(facts_table)
                                  .where(facts_table.c.generation == state.active))
        elapsed = max(time.monotonic() - started, 1e-6)
        self.progress.events_per_second = round(count / elapsed, 1)
        self.progress.status = "idle"
        self.progress.finished_at = utcnow().isoformat()
        self.progress.last = {"generation": new, "events": count, "facts": len(rows),
                              "seconds": round(elapsed, 3),
                              "events_per_second": self.progress.events_per_second,
                              "finished_at": self.progress.finished_at}
        log.info("projections rebuilt: generation %d from %d events in %.2fs", new, count,
                 elapsed)

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
