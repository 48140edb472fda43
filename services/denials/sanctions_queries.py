"""Reads of sanctioned parties: the versions of the list loaded, and a screening of names."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.denials.db import (
    realisation_hits,
    sanctioned_entities,
    sanctioned_names,
    sanctions_lists,
)
from services.denials.domain.sanctions import Asked, Listed, SanctionsMatch, screen
from services.denials.matching import (
    MATCHER_VERSION,
    NAME_INDEX_VERSION,
    PreparedName,
    lookup_keys,
    prepare,
)
from shared.clock import stored_utc, today
from shared.pagination import Keyset, keyset_page
from shared.service import Runtime

log = logging.getLogger(__name__)


def _list_view(row: Any) -> dict[str, Any]:
    return {"list_version": row.list_version,
            "generated_at": stored_utc(row.generated_at).isoformat(),
            "sha256": row.sha256, "entities": row.entities, "names": row.names,
            "loaded_at": stored_utc(row.loaded_at).isoformat(), "loaded_by": row.loaded_by,
            "current": bool(row.current)}


async def list_versions(runtime: Runtime) -> dict[str, Any]:
    """Every version of the list loaded, newest first, and the one screened."""
    async with runtime.sessions() as session:
        rows = (await session.execute(select(sanctions_lists).order_by(
            sanctions_lists.c.loaded_at.desc(), sanctions_lists.c.sha256))).all()
    current = next((r.list_version for r in rows if r.current), None)
    return {"items": [_list_view(r) for r in rows], "current": current}


def _listed(row: Any) -> Listed:
    doc = json.loads(row.document)
    designated = doc.get("designated_on")
    programmes = doc.get("programmes") or []
    return Listed(entity_id=row.entity_id, subject_type=row.subject_type,
                  names=tuple(PreparedName.from_json(n) for n in json.loads(row.names)),
                  programme=programmes[0] if programmes else None,
                  countries=tuple(doc.get("countries") or ()),
                  designated_on=dt.date.fromisoformat(designated) if designated else None)


async def current_list(session: AsyncSession) -> Any | None:
    """The row of the version screened now, if one was loaded."""
    return (await session.execute(
        select(sanctions_lists).where(sanctions_lists.c.current.is_(True)))).first()


async def candidates(session: AsyncSession, listed: Any, names: Sequence[PreparedName]
                     ) -> tuple[list[Listed], dict[tuple[int, str], set[int]] | None]:
    """The entities of the screened list the name index offers for these names, and which of
    their names each name asked shares a key with (every entity, and None, when the index was
    filed by another matcher)."""
    query = select(sanctioned_entities).where(
        sanctioned_entities.c.list_sha256 == listed.sha256)
    if listed.name_index != NAME_INDEX_VERSION:
        log.warning("sanctions list %s filed with name index %s, the matcher is %s: screening "
                    "compares every entity until the list is loaded again",
                    listed.list_version, listed.name_index, NAME_INDEX_VERSION)
        return [_listed(r) for r in (await session.execute(query)).all()], None
    asking = [lookup_keys(name) for name in names]
    every = sorted(set().union(*asking))
    n = sanctioned_names.c
    filed = (await session.execute(select(n.name_key, n.entity_id, n.alias).where(
        n.list_sha256 == listed.sha256, n.name_key.in_(every)))).all()
    by_key: dict[int, list[tuple[str, int]]] = {}
    for key, entity_id, alias in filed:
        by_key.setdefault(key, []).append((entity_id, alias))
    offered: dict[tuple[int, str], set[int]] = {}
    for i, keys in enumerate(asking):
        for key in keys & by_key.keys():
            for entity_id, alias in by_key[key]:
                offered.setdefault((i, entity_id), set()).add(alias)
    ids = sorted({entity_id for _i, entity_id in offered})
    return await _entities(session, query, listed.sha256, ids), offered


class _Parsed:
    """The entities of one list version read so far, by id: a version's entities never change
    (it is named by its file's digest), so reading each once per process is enough."""

    def __init__(self) -> None:
        self.sha256 = ""
        self.entities: dict[str, Listed] = {}

    def of(self, sha256: str) -> dict[str, Listed]:
        """The cache of this version; another version's is dropped."""
        if sha256 != self.sha256:
            self.sha256, self.entities = sha256, {}
        return self.entities


_PARSED = _Parsed()


async def _entities(session: AsyncSession, query: Any, sha256: str,
                    ids: Sequence[str]) -> list[Listed]:
    known = _PARSED.of(sha256)
    missing = [i for i in ids if i not in known]
    if missing:
        rows = (await session.execute(
            query.where(sanctioned_entities.c.entity_id.in_(missing)))).all()
        known.update((r.entity_id, _listed(r)) for r in rows)
    return [known[i] for i in ids if i in known]


async def screen_names(session: AsyncSession, asked: Sequence[Asked], *,
                       on: dt.date | None) -> tuple[Any | None, int, list[SanctionsMatch]]:
    """The screened list's row, how many entities were compared, and the hits for `asked`."""
    listed = await current_list(session)
    if listed is None:
        return None, 0, []
    entities, offered = await candidates(session, listed, [a.name for a in asked])
    return listed, len(entities), screen(asked, entities, on=on, offered=offered)


async def find_matches(runtime: Runtime, names: Sequence[tuple[str, str | None]], *,
                       on: dt.date | None) -> dict[str, Any]:
    """Which listed entities the names are, best first, with the list's and matcher's versions."""
    day = on or today()
    asked = [Asked(prepare(name), country) for name, country in names]
    async with runtime.sessions() as session:
        listed, compared, found = await screen_names(session, asked, on=day)
    return {"list_version": listed.list_version if listed is not None else None,
            "matcher_version": MATCHER_VERSION, "on": day.isoformat(), "candidates": compared,
            "matches": [m.to_json() for m in found]}


async def realisation_hit_page(runtime: Runtime, *, limit: int,
                               cursor: str | None) -> dict[str, Any]:
    """The hits found on general-licence realisations, newest first."""
    h = realisation_hits.c
    async with runtime.sessions() as session:
        rows, after = await keyset_page(session, select(realisation_hits),
                                        Keyset(h.recorded_at, h.id, descending=True),
                                        limit=limit, cursor=cursor)
    return {"items": [json.loads(r.document) for r in rows], "next_cursor": after}
