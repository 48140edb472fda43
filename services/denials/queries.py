"""Reads for the API: the registry, screenings, dismissals, consultations and notifications."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.denials.db import (
    consultations,
    denial_keys,
    denial_names,
    denials,
    dismissals,
    notifications,
    registry,
)
from services.denials.domain.consultation import party, shown_status
from services.denials.domain.screening import Candidate, Screening, screen
from services.denials.domain.validity import denial_status, is_active
from services.denials.handlers.db import PRIVATE_PARTIES
from services.denials.matching import (
    MATCHER_VERSION,
    NAME_INDEX_VERSION,
    PreparedName,
    lookup_keys,
    prepare,
)
from services.denials.ratings import normalise_rating, rating_key
from shared.auth import DUTCH_ROLES, Principal
from shared.clock import AMSTERDAM, stored_utc, today
from shared.errors import NotFound
from shared.pagination import Keyset, keyset_page
from shared.personal.erased import ERASED_TEXT, Erased, is_erased
from shared.personal.vault import Vault
from shared.service import Runtime

log = logging.getLogger(__name__)
# Which matcher judged the names, recorded with every screening: the name index's version


# -- the registry ---------------------------------------------------------------------------


async def _opened_document(vault: Vault | None, document: str) -> dict[str, Any]:
    """A denial's document with a private person's name opened (or `[erased]`)."""
    doc: dict[str, Any] = json.loads(document)
    if vault is None:
        return doc
    for role in PRIVATE_PARTIES:
        party = doc.get(role)
        if isinstance(party, dict) and isinstance(party.get("name"), dict):
            party["name"] = await vault.open_field(party["name"],
                                                   path=f"denials.document.{role}.name")
    return doc


async def _denial_view(row: Any, who: Principal, on: dt.date, vault: Vault | None = None
                       ) -> dict[str, Any]:
    """A denial as a caller may see it: partner states never see the Dutch application id."""
    doc = await _opened_document(vault, row.document)
    if not who.has(*DUTCH_ROLES):
        doc.pop("application_id", None)
    doc.setdefault("grounds", [])  # registered before denials named their grounds
    doc.update({
        "registered_at": stored_utc(row.registered_at).isoformat(),
        "denied_on": row.denied_on.isoformat(),
        "active": is_active(denied_on=row.denied_on, expires=row.expires_on,
                            revoked_on=row.revoked_on, on=on),
        "status": denial_status(denied_on=row.denied_on, expires=row.expires_on,
                                revoked_on=row.revoked_on, on=on),
        "active_until": (row.expires_on - dt.timedelta(days=1)).isoformat(),
        "expires_on": row.expires_on.isoformat(),
        "revoked_on": row.revoked_on.isoformat() if row.revoked_on else None,
        "version": row.version,
    })
    return doc


async def denial(runtime: Runtime, denial_id: str, who: Principal) -> dict[str, Any]:
    """One denial of the shared registry, its validity computed for today."""
    async with runtime.sessions() as session:
        row = (await session.execute(select(denials).where(denials.c.id == denial_id))).first()
    if row is None:
        raise NotFound(f"no denial {denial_id}")
    return await _denial_view(row, who, today(), runtime.vault)


def _active(on: dt.date) -> Any:
    return and_(denials.c.denied_on <= on, denials.c.expires_on > on,
                or_(denials.c.revoked_on.is_(None), denials.c.revoked_on > on))


async def denial_page(runtime: Runtime, who: Principal, *, destination: str | None,
                      state: str | None, active: bool | None, limit: int,
                      cursor: str | None) -> dict[str, Any]:
    """The shared registry, newest first, filtered."""
    query = select(denials)
    if destination:
        query = query.where(denials.c.destination == destination)
    if state:
        query = query.where(denials.c.state == state)
    on = today()
    if active is True:
        query = query.where(_active(on))
    elif active is False:
        query = query.where(~_active(on))
    async with runtime.sessions() as session:
        rows, after = await keyset_page(
            session, query, Keyset(denials.c.registered_at, denials.c.id, descending=True),
            limit=limit, cursor=cursor)
    return {"items": [await _denial_view(r, who, on, runtime.vault) for r in rows],
            "next_cursor": after}


# -- screening ------------------------------------------------------------------------------


async def _opened_names(vault: Vault | None, text: str) -> dict[str, Any]:
    """A denial's prepared names, a private person's opened; an erased one is the name
    `[erased]`, so a match on it says so."""
    names: dict[str, Any] = json.loads(text)
    for role in PRIVATE_PARTIES:
        value = names.get(role)
        if not isinstance(value, dict) or "v" in value:
            continue  # none, or a prepared name as it is
        opened = (await vault.open_field(value, path=f"denials.names.{role}")
                  if vault is not None else Erased(None))
        names[role] = (prepare(ERASED_TEXT).to_json() if is_erased(opened)
                       or not isinstance(opened, str) else json.loads(opened))
    return names


async def _candidate(row: Any, vault: Vault | None) -> Candidate:
    names = await _opened_names(vault, row.names)
    doc = json.loads(row.document)
    consignee = names.get("consignee")
    return Candidate(
        id=row.id, state=row.state, destination=row.destination,
        ratings=tuple(doc.get("ratings") or [row.rating]),
        end_user=PreparedName.from_json(names["end_user"]),
        consignee=PreparedName.from_json(consignee) if consignee else None,
        end_user_aliases=tuple(PreparedName.from_json(a)
                               for a in names.get("end_user_aliases", ())),
        consignee_aliases=tuple(PreparedName.from_json(a)
                                for a in names.get("consignee_aliases", ())),
        denied_on=row.denied_on, expires=row.expires_on, revoked_on=row.revoked_on,
        extra={"reference": row.reference, "destination": row.destination,
               "denied_on": row.denied_on.isoformat(), "rating": row.rating,
               "goods_description": doc.get("goods_description")},
    )


async def load_candidates(
    session: AsyncSession, *, destination: str, rating: str | None, on: dt.date,
    exclude_state: str | None, names: tuple[PreparedName | None, ...] | None = None,
    vault: Vault | None = None,
) -> list[Candidate]:
    """Active denials for one destination and rating family: the only ones worth scoring.

    Given the names asked about, only the denials the name index files under one of their
    lookup keys: every denial whose names could be the same entity, and few others.
    """
    family = rating_key(rating)
    query: Select[Any] = select(denials).where(_active(on))
    if names is None:
        query = query.join(denial_keys, denial_keys.c.denial_id == denials.c.id).where(
            denial_keys.c.destination == destination, denial_keys.c.rating_key == family)
    else:
        query = query.where(denials.c.id.in_(
            select(denial_names.c.denial_id).where(
                denial_names.c.destination == destination, denial_names.c.rating_key == family,
                denial_names.c.name_key.in_(sorted(lookup_keys(*names))))))
    if exclude_state:
        query = query.where(denials.c.state != exclude_state)
    return [await _candidate(r, vault) for r in (await session.execute(query)).all()]


async def find_matches(
    runtime: Runtime, who: Principal, *, destination: str, end_user: str,
    consignee: str | None, rating: str | None, on: dt.date | None,
    application_ref: str | None, end_user_aliases: Sequence[str] = (),
    consignee_aliases: Sequence[str] = (),
) -> dict[str, Any]:
    """Active denials of other states for an essentially identical transaction, best first.

    Every name asked about (the parties' names and aliases) is compared with every name of a
    denial. `candidates` counts the denials compared in full: those the name index offered.
    """
    day = on or today()
    asked_rating = normalise_rating(rating)
    end_user_name = prepare(end_user)
    consignee_name = prepare(consignee) if consignee else None
    other_names = (tuple(prepare(a) for a in end_user_aliases),
                   tuple(prepare(a) for a in consignee_aliases) if consignee else ())
    async with runtime.sessions() as session, session.begin():
        version, filed_with = (await session.execute(
            select(registry.c.version, registry.c.name_index).where(registry.c.id == 1))).one()
        indexed = filed_with == NAME_INDEX_VERSION
        if not indexed:
            # Filed by another matcher: the index may miss a same entity, so compare them all.
            log.warning("name index filed with version %s, the matcher is %s: screening "
                        "compares every denial for the destination until a migration files "
                        "them again", filed_with, NAME_INDEX_VERSION)
        candidates = await load_candidates(
            session, destination=destination, rating=asked_rating, on=day,
            exclude_state=who.state,
            names=(end_user_name, consignee_name, *other_names[0], *other_names[1])
            if indexed else None, vault=runtime.vault)
        dismissed: frozenset[str] = frozenset()
        if application_ref:
            dismissed = frozenset((await session.execute(
                select(dismissals.c.denial_id)
                .where(dismissals.c.application_ref == application_ref))).scalars())
    query = Screening(destination=destination, end_user=end_user_name, consignee=consignee_name,
                      rating=asked_rating, on=day, state=who.state, dismissed=dismissed,
                      end_user_aliases=other_names[0], consignee_aliases=other_names[1])
    return {"matches": [m.to_json() for m in screen(query, candidates)],
            "registry_version": int(version), "on": day.isoformat(),
            "candidates": len(candidates), "dismissed": sorted(dismissed),
            "matcher_version": MATCHER_VERSION}


def _dismissal(row: Any) -> dict[str, Any]:
    return {"application_ref": row.application_ref, "denial_id": row.denial_id,
            "reason": row.reason, "dismissed_by": row.dismissed_by,
            "dismissed_at": stored_utc(row.dismissed_at).isoformat()}


async def dismissal(runtime: Runtime, *, application_ref: str, denial_id: str) -> dict[str, Any]:
    """The ruling on one case and denial."""
    async with runtime.sessions() as session:
        row = (await session.execute(select(dismissals).where(
            dismissals.c.application_ref == application_ref,
            dismissals.c.denial_id == denial_id))).first()
    if row is None:
        raise NotFound(f"no ruling on denial {denial_id} for {application_ref}")
    return _dismissal(row)


async def dismissal_list(runtime: Runtime, application_ref: str) -> dict[str, Any]:
    """The matches ruled not essentially identical for one application."""
    async with runtime.sessions() as session:
        rows = (await session.execute(select(dismissals).where(
            dismissals.c.application_ref == application_ref)
            .order_by(dismissals.c.dismissed_at))).all()
    return {"items": [_dismissal(r) for r in rows], "next_cursor": None}


# -- consultations --------------------------------------------------------------------------


def _consultation_view(row: Any, on: dt.date) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(row.document)
    doc["status"] = shown_status(row.status, row.due_by, on)
    doc["version"] = row.version
    return doc


async def consultation(runtime: Runtime, consultation_id: str, who: Principal) -> dict[str, Any]:
    """One consultation, for its two parties only."""
    async with runtime.sessions() as session:
        row = (await session.execute(select(consultations)
                                     .where(consultations.c.id == consultation_id))).first()
    # A state that is no party learns nothing, not even that the consultation exists.
    if row is None or party(consulting_state=row.consulting_state,
                            denying_state=row.denying_state, state=who.state) is None:
        raise NotFound(f"no consultation {consultation_id}")
    return _consultation_view(row, today())


async def consultation_page(runtime: Runtime, who: Principal, *, direction: str | None,
                            status: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """The consultations the caller's state is a party to, newest first."""
    c = consultations.c
    if direction == "started":
        query = select(consultations).where(c.consulting_state == who.state)
    elif direction == "received":
        query = select(consultations).where(c.denying_state == who.state)
    else:
        query = select(consultations).where(or_(c.consulting_state == who.state,
                                                c.denying_state == who.state))
    on = today()
    if status == "overdue":
        query = query.where(c.status == "open", c.due_by < on)
    elif status is not None:
        query = query.where(c.status == status)
    async with runtime.sessions() as session:
        rows, after = await keyset_page(session, query, Keyset(c.opened_at, c.id, descending=True),
                                        limit=limit, cursor=cursor)
    return {"items": [_consultation_view(r, on) for r in rows], "next_cursor": after}


async def consultation_stats(runtime: Runtime, year: int) -> dict[str, Any]:
    """Consultations started and received per state, counted in the year they were opened."""
    # Stored times are UTC (SQLite keeps no zone), so the year's bounds are given in UTC.
    start = dt.datetime(year, 1, 1, tzinfo=AMSTERDAM).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=AMSTERDAM).astimezone(dt.UTC)
    c = consultations.c
    async with runtime.sessions() as session:
        rows = (await session.execute(
            select(c.consulting_state, c.denying_state, func.count())
            .where(c.opened_at >= start, c.opened_at < end)
            .group_by(c.consulting_state, c.denying_state))).all()
    counts: dict[str, dict[str, int]] = {}
    for consulting, denying, n in rows:
        counts.setdefault(consulting, {"started": 0, "received": 0})["started"] += n
        counts.setdefault(denying, {"started": 0, "received": 0})["received"] += n
    items = [{"state": s, **n} for s, n in sorted(counts.items())]
    return {"year": year, "consultations": sum(n for *_pair, n in rows), "items": items}


async def notification_page(runtime: Runtime, who: Principal, *, limit: int,
                            cursor: str | None) -> dict[str, Any]:
    """What the caller's state has been told: grants despite its denials, newest first."""
    n = notifications.c
    async with runtime.sessions() as session:
        rows, after = await keyset_page(
            session, select(notifications).where(n.state == who.state),
            Keyset(n.created_at, n.id, descending=True), limit=limit, cursor=cursor)
    return {"items": [json.loads(r.document) for r in rows], "next_cursor": after}
