"""Sanctions handlers: loading a version of the list (one transaction that records
`SanctionsListLoaded` and replaces the screened entities and their name index), and screening
intake's general-licence realisations in the consumer's transaction.

Realisations are screened here, not in assessment: the list and the matcher live in denials,
so the screening is a local read inside the consumer's transaction, with no HTTP call to
retry and no pending state to keep; assessment has no case for a realisation anyway."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.denials.db import (
    realisation_hits,
    sanctioned_entities,
    sanctioned_names,
    sanctions_lists,
)
from services.denials.domain.sanctions import (
    LIST_STREAM,
    Asked,
    LoadedLists,
    RealisationScreening,
    evolve,
    evolve_realisation,
    load,
    realisation_parties,
)
from services.denials.domain.sanctions import (
    realisation_hits as decide_hits,
)
from services.denials.domain.sanctions_list import ListedEntity, SanctionsList, parse_list
from services.denials.matching import NAME_INDEX_VERSION, PreparedName, filing_keys, prepare
from services.denials.sanctions_queries import screen_names
from shared.aggregate import Aggregate, execute
from shared.consumer import RetryLater
from shared.contracts import Event
from shared.contracts.denials import SanctionsListLoaded
from shared.contracts.intake import RealisationReported
from shared.envelope import SYSTEM, Actor, Envelope, canonical_json
from shared.errors import VersionConflict
from shared.eventstore import EventStore
from shared.service import Runtime

log = logging.getLogger(__name__)

LISTS: Aggregate[LoadedLists] = Aggregate("sanctions list", LoadedLists(), evolve)
_BATCH = 5000


@dataclass(frozen=True)
class Prepared:
    """A list read and its names prepared: what the transaction writes."""

    parsed: SanctionsList
    names: dict[str, list[PreparedName]]  # entity id -> its names prepared


@dataclass(frozen=True)
class LoadResult:
    """What a load did: whether it recorded a new version, and the version screened."""

    loaded: bool
    version: SanctionsListLoaded


def read_list(data: bytes) -> Prepared:
    """Parse the file and prepare every name (CPU work, done outside the transaction)."""
    parsed = parse_list(data)
    return Prepared(parsed, {e.entity_id: [prepare(n.name) for n in e.names]
                             for e in parsed.entities})


def entity_row(sha: str, entity: ListedEntity, names: list[PreparedName]) -> dict[str, Any]:
    """An entity's row in the screened set: as listed, and its names prepared."""
    return {"list_sha256": sha, "entity_id": entity.entity_id,
            "subject_type": entity.subject_type,
            "document": canonical_json(entity.to_json()),
            "names": json.dumps([n.to_json() for n in names], ensure_ascii=False)}


def name_rows(sha: str, entity_id: str, names: list[PreparedName]) -> list[dict[str, Any]]:
    """The name index rows of one entity: every key each of its names is filed under."""
    return [{"list_sha256": sha, "name_key": key, "entity_id": entity_id, "alias": i}
            for i, name in enumerate(names) for key in sorted(filing_keys(name))]


async def _store(session: AsyncSession, ready: Prepared, recorded: list[Envelope]) -> None:
    """The read model of the new version: its row, its entities and their name index; the
    entities of the version it replaces go."""
    parsed, env = ready.parsed, recorded[-1]
    sha = parsed.sha256
    await session.execute(delete(sanctioned_names).where(sanctioned_names.c.list_sha256 != sha))
    await session.execute(delete(sanctioned_entities)
                          .where(sanctioned_entities.c.list_sha256 != sha))
    await session.execute(update(sanctions_lists).values(current=False))
    await session.execute(insert(sanctions_lists).values(
        sha256=sha, list_version=parsed.version, generated_at=parsed.generated_at,
        entities=len(parsed.entities), names=parsed.name_count, loaded_at=env.recorded_at,
        loaded_by=env.actor.sub or "unknown", current=True, name_index=NAME_INDEX_VERSION))
    entities = [entity_row(sha, e, ready.names[e.entity_id]) for e in parsed.entities]
    for start in range(0, len(entities), _BATCH):
        await session.execute(insert(sanctioned_entities), entities[start:start + _BATCH])
    keys = [row for e in parsed.entities
            for row in name_rows(sha, e.entity_id, ready.names[e.entity_id])]
    for start in range(0, len(keys), _BATCH):
        await session.execute(insert(sanctioned_names), keys[start:start + _BATCH])


async def load_list(runtime: Runtime, data: bytes, *, actor: Actor) -> LoadResult:
    """Load a version of the list from its XML; a reload of the screened file records nothing."""
    ready = await asyncio.to_thread(read_list, data)
    async with runtime.transaction() as session:

        async def project(session: AsyncSession, _state: LoadedLists,
                          recorded: list[Envelope]) -> None:
            await _store(session, ready, recorded)

        done = await execute(session, runtime.store, LISTS, LIST_STREAM,
                             lambda state: load(state, ready.parsed), actor=actor,
                             correlation_id=str(uuid.uuid4()), project=project)
    current = done.state.current
    assert current is not None, "a load leaves a version screened"
    if done.recorded:
        log.info("sanctions list %s loaded: %d entities, %d names (event %s)",
                 current.list_version, current.entities, current.names,
                 done.recorded[-1].event_id)
    return LoadResult(loaded=bool(done.recorded), version=current)


REALISATIONS: Aggregate[RealisationScreening] = Aggregate(
    "realisation screening", RealisationScreening(), evolve_realisation)


async def _project_hits(session: AsyncSession, _state: RealisationScreening,
                        recorded: list[Envelope]) -> None:
    await session.execute(insert(realisation_hits), [
        {"id": env.event_id, "realisation_id": env.payload["realisation_id"],
         "entity_id": env.payload["entity_id"], "recorded_at": env.recorded_at,
         "document": canonical_json({**env.payload, "recorded_at": env.recorded_at.isoformat(),
                                     "event_id": env.event_id})}
        for env in recorded])


async def screen_realisation(session: AsyncSession, store: EventStore,
                             event: Event[RealisationReported]) -> None:
    """Screen a general-licence realisation's parties against the list screened now (as on
    the day of use it was checked on); a hit is recorded once per party and entity."""
    realisation = event.payload
    parties = realisation_parties(realisation)
    asked = [Asked(prepare(name)) for _role, name in parties]
    listed, _compared, found = await screen_names(session, asked, on=realisation.checked_on)
    if listed is None or not found:
        return
    by_name = {name.strip(): role for role, name in parties}
    hits = [(by_name[m.name_matched], m) for m in found if m.name_matched in by_name]
    try:
        done = await execute(
            session, store, REALISATIONS, realisation.id,
            lambda state: decide_hits(state, realisation, hits,
                                           list_version=listed.list_version),
            actor=SYSTEM, correlation_id=event.envelope.correlation_id,
            causation_id=event.event_id, project=_project_hits)
    except VersionConflict as exc:
        raise RetryLater(str(exc)) from exc
    for env in done.recorded:
        log.warning("realisation %s (%s): %s '%s' is listed entity %s (event %s, correlation %s)",
                    realisation.id, realisation.code, env.payload["party_role"],
                    env.payload["name"], env.payload["entity_id"], env.event_id,
                    env.correlation_id)
