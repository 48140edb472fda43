"""The fact projection in the database, kept up to date event by event by the live consumer.

Readers use the active generation. While a rebuild fills the next one, every event the live
consumer takes is written into both; merging is commutative and idempotent (see
`domain.facts`), so the events the rebuild also reads, and those that arrive after it started,
give the same facts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.db import facts as facts_table
from services.reporting.db import log as log_table
from services.reporting.db import projection_state
from services.reporting.domain.facts import Facts, evolve, merge_part
from shared.contracts import Event
from shared.envelope import Envelope

CHUNK = 2000  # rows per bulk statement


def parse(body: bytes | str) -> dict[str, Any]:
    """JSON text as a dict: orjson, with the standard parser for what orjson refuses (NaN,
    integers past 64 bits) so that the result never depends on which one read it."""
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
    if isinstance(value, bytearray):  # a part's data kept as its JSON text (see rebuild.fold)
        return orjson.Fragment(bytes(value))
    raise TypeError(f"{type(value).__name__} is not JSON")


async def keep_events(session: AsyncSession, events: Sequence[Event[Any]]) -> None:
    """Keep copies of events (for `as_of`) and apply them to the report's facts: one insert of
    the copies, one merge of the facts."""
    envelopes = [event.envelope for event in events]
    # The insert comes first: on SQLite it takes the write lock before the generation pointer
    # is read, so a rebuild switching generations cannot slip in between.
    await session.execute(insert(log_table), [_log_row(env) for env in envelopes])
    await apply_events(session, envelopes)


def _log_row(env: Envelope) -> dict[str, Any]:
    return {"event_id": env.event_id, "source": env.source, "stream_id": env.stream_id,
            "stream_version": env.stream_version, "type": env.type,
            "recorded_at": env.recorded_at, "body": env.to_json()}


async def apply_events(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """Apply events to the facts of the active generation (and of a running rebuild's): folded
    in memory first, then merged into each generation's rows with one read and one write per
    kind."""
    batch: Facts = {}
    for env in envelopes:
        evolve(batch, env.model_dump(mode="json"))
    if not batch:
        return
    state = await state_row(session, lock=True)
    for generation in [state.active] + ([state.building] if state.building is not None else []):
        await write_facts(session, generation, batch)


async def state_row(session: AsyncSession, *, lock: bool = False) -> Any:
    """The generation pointer (locked for update when asked, on databases that lock rows)."""
    query = select(projection_state).where(projection_state.c.id == 1)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).one()


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
