"""Registry commands: register, revoke, renew, expire; screening and dismissed matches."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.denials import events
from services.denials.db import denial_keys, denial_names, denials, dismissals, registry
from services.denials.domain import (
    Candidate,
    Conflict,
    Invalid,
    NotAllowed,
    NotFound,
    Screening,
    expires_on,
    screen,
)
from services.denials.handlers.common import (
    Policy,
    bump_registry,
    denial_view,
    today,
)
from services.denials.matching import (
    MATCHER_VERSION,
    NAME_INDEX_VERSION,
    PreparedName,
    filing_keys,
    lookup_keys,
    prepare,
)
from services.denials.ratings import rating_key
from shared.auth import Principal
from shared.envelope import SYSTEM, Actor, canonical_json, utcnow
from shared.eventstore import NewEvent
from shared.pagination import Page, decode_cursor, encode_cursor
from shared.service import Runtime

log = logging.getLogger(__name__)


def _prepared(denial: dict[str, Any]) -> tuple[PreparedName, PreparedName | None]:
    consignee = denial.get("consignee")
    return (prepare(denial["end_user"]["name"]),
            prepare(consignee["name"]) if consignee else None)


def _names(end_user: PreparedName, consignee: PreparedName | None) -> str:
    return canonical_json({"end_user": end_user.to_json(),
                           "consignee": consignee.to_json() if consignee else None})


def index_rows(*, denial_id: str, destination: str, families: set[str],
               end_user: PreparedName, consignee: PreparedName | None) -> list[dict[str, Any]]:
    """The denial_names rows that file one denial in the name index."""
    keys = sorted(filing_keys(end_user, consignee))
    return [{"destination": destination, "rating_key": family, "name_key": key,
             "denial_id": denial_id} for family in sorted(families) for key in keys]


async def record_denial(
    runtime: Runtime, session: AsyncSession, policy: Policy, denial: dict[str, Any], *,
    actor: Actor, correlation_id: str | None = None, causation_id: str | None = None,
) -> dict[str, Any]:
    """Append DenialRegistered and add the denial to the registry and its matching index."""
    denied_on = dt.date.fromisoformat(denial["denied_on"])
    clash = (await session.execute(select(denials.c.id).where(
        denials.c.state == denial["state"], denials.c.reference == denial["reference"],
        denials.c.destination == denial["destination"]))).first()
    if clash is not None:
        raise Conflict(f"state {denial['state']} already registered reference "
                       f"{denial['reference']!r} for {denial['destination']} as denial "
                       f"{clash[0]}", denial_id=clash[0])
    recorded = await runtime.store.append(
        session, denial["id"],
        [NewEvent(events.DENIAL_REGISTERED, denial,
                  occurred_at=dt.datetime.combine(denied_on, dt.time(12), dt.UTC))],
        actor=actor, correlation_id=correlation_id or denial["id"], causation_id=causation_id,
        expected_version=0,
    )
    registered_at = recorded[0].recorded_at
    document = {**denial, "registered_at": registered_at.isoformat()}
    end_user, consignee = _prepared(denial)
    await session.execute(insert(denials).values(
        id=denial["id"], state=denial["state"], reference=denial["reference"],
        destination=denial["destination"], regime=denial["regime"], rating=denial["rating"],
        denied_on=denied_on, expires_on=expires_on(denied_on, policy.validity_years),
        revoked_on=None, expiry_recorded=False, application_id=denial.get("application_id"),
        registered_at=registered_at, names=_names(end_user, consignee),
        document=canonical_json(document),
        version=1,
    ))
    ratings = denial.get("ratings") or [denial["rating"]]
    keys = {rating_key(r) for r in ratings}
    await session.execute(insert(denial_keys), [
        {"denial_id": denial["id"], "rating_key": k, "destination": denial["destination"]}
        for k in sorted(keys)])
    filed = index_rows(denial_id=denial["id"], destination=denial["destination"],
                       families=keys, end_user=end_user, consignee=consignee)
    if filed:  # a name of no letters or digits is no entity to file (nor to match)
        await session.execute(insert(denial_names), filed)
    await bump_registry(session)
    return document


async def register_denial(runtime: Runtime, policy: Policy, body: dict[str, Any],
                          who: Principal) -> dict[str, Any]:
    """A partner state notifies a denial; the notifying state is the token's state."""
    if not who.state:
        raise NotAllowed("the token names no state; a partner token needs a `state` claim")
    if dt.date.fromisoformat(body["denied_on"]) > today():
        raise Invalid(f"denied_on {body['denied_on']} lies in the future")
    denial = {**body, "id": str(uuid.uuid4()), "state": who.state}
    try:
        async with runtime.transaction() as session:
            await record_denial(runtime, session, policy, denial, actor=who.as_actor())
    except IntegrityError as exc:
        raise Conflict(f"reference {body['reference']!r} was registered concurrently") from exc
    return await get_denial(runtime, denial["id"], who)


async def _load(session: AsyncSession, denial_id: str) -> Any:
    row = (await session.execute(select(denials).where(denials.c.id == denial_id))).first()
    if row is None:
        raise NotFound(f"no denial {denial_id}")
    return row


async def get_denial(runtime: Runtime, denial_id: str, who: Principal) -> dict[str, Any]:
    """One denial of the shared registry."""
    async with runtime.sessions() as session:
        return denial_view(await _load(session, denial_id), who)


async def list_denials(
    runtime: Runtime, who: Principal, *, destination: str | None, state: str | None,
    active: bool | None, limit: int, cursor: str | None,
) -> Page:
    """The shared registry, newest first, filtered."""
    query = select(denials).order_by(denials.c.registered_at.desc(), denials.c.id.desc())
    if destination:
        query = query.where(denials.c.destination == destination)
    if state:
        query = query.where(denials.c.state == state)
    on = today()
    live = and_(denials.c.denied_on <= on, denials.c.expires_on > on,
                or_(denials.c.revoked_on.is_(None), denials.c.revoked_on > on))
    if active is True:
        query = query.where(live)
    elif active is False:
        query = query.where(~live)
    if cursor:
        pos = decode_cursor(cursor)
        at = dt.datetime.fromisoformat(str(pos.get("t")))
        query = query.where(or_(denials.c.registered_at < at,
                                and_(denials.c.registered_at == at,
                                     denials.c.id < str(pos.get("id")))))
    async with runtime.sessions() as session:
        rows = (await session.execute(query.limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = (encode_cursor({"t": rows[-1].registered_at.isoformat(), "id": rows[-1].id})
           if more and rows else None)
    return Page(items=[denial_view(r, who, on) for r in rows], next_cursor=nxt)


def _own(row: Any, who: Principal, action: str) -> None:
    if row.state != who.state:
        raise NotAllowed(f"only the notifying state {row.state} may {action} this denial")


async def revoke_denial(runtime: Runtime, denial_id: str, reason: str | None,
                        who: Principal) -> dict[str, Any]:
    """The notifying state withdraws its denial from today."""
    async with runtime.transaction() as session:
        row = await _load(session, denial_id)
        _own(row, who, "revoke")
        if row.revoked_on is not None:
            raise Conflict(f"denial {denial_id} was already revoked on {row.revoked_on}")
        on = today()
        recorded = await runtime.store.append(
            session, denial_id,
            [NewEvent(events.DENIAL_REVOKED,
                      {"denial_id": denial_id, "reason": reason, "revoked_on": on.isoformat()})],
            actor=who.as_actor(), correlation_id=denial_id, expected_version=row.version)
        await session.execute(update(denials).where(denials.c.id == denial_id).values(
            revoked_on=on, version=recorded[-1].stream_version))
        await bump_registry(session)
    return await get_denial(runtime, denial_id, who)


async def renew_denial(runtime: Runtime, policy: Policy, denial_id: str, denied_on: dt.date,
                       who: Principal) -> dict[str, Any]:
    """The notifying state confirms its denial on a later date: validity starts again."""
    async with runtime.transaction() as session:
        row = await _load(session, denial_id)
        _own(row, who, "renew")
        if row.revoked_on is not None:
            raise Conflict(f"denial {denial_id} was revoked on {row.revoked_on}; "
                           "register a new denial instead")
        if denied_on > today():
            raise Invalid(f"denied_on {denied_on} lies in the future")
        if denied_on < row.denied_on:
            raise Invalid(f"a renewal dates from {row.denied_on} or later, not {denied_on}")
        new_expiry = expires_on(denied_on, policy.validity_years)
        recorded = await runtime.store.append(
            session, denial_id,
            [NewEvent(events.DENIAL_RENEWED,
                      {"denial_id": denial_id, "denied_on": denied_on.isoformat(),
                       "expires_on": new_expiry.isoformat()})],
            actor=who.as_actor(), correlation_id=denial_id, expected_version=row.version)
        doc = json.loads(row.document)
        doc["denied_on"] = denied_on.isoformat()
        doc["renewed_on"] = today().isoformat()
        await session.execute(update(denials).where(denials.c.id == denial_id).values(
            denied_on=denied_on, expires_on=new_expiry, expiry_recorded=False,
            document=canonical_json(doc), version=recorded[-1].stream_version))
        await bump_registry(session)
    return await get_denial(runtime, denial_id, who)


async def expire_due(runtime: Runtime, *, on: dt.date | None = None, batch: int = 500) -> int:
    """Record DenialExpired for every denial whose validity ended; returns how many."""
    on = on or today()
    total = 0
    while True:
        async with runtime.transaction() as session:
            rows = (await session.execute(
                select(denials.c.id, denials.c.version, denials.c.expires_on)
                .where(denials.c.expires_on <= on, denials.c.expiry_recorded.is_(False),
                       denials.c.revoked_on.is_(None))
                .order_by(denials.c.expires_on).limit(batch))).all()
            for row in rows:
                recorded = await runtime.store.append(
                    session, row.id,
                    [NewEvent(events.DENIAL_EXPIRED,
                              {"denial_id": row.id, "expired_on": row.expires_on.isoformat()},
                              occurred_at=dt.datetime.combine(row.expires_on, dt.time(0),
                                                              dt.UTC))],
                    actor=SYSTEM, correlation_id=row.id, expected_version=row.version)
                await session.execute(update(denials).where(denials.c.id == row.id).values(
                    expiry_recorded=True, version=recorded[-1].stream_version))
            if rows:
                await bump_registry(session, len(rows))
        total += len(rows)
        if len(rows) < batch:
            return total


# -- screening -----------------------------------------------------------------------------


def _candidate(row: Any) -> Candidate:
    names = json.loads(row.names)
    doc = json.loads(row.document)
    consignee = names.get("consignee")
    return Candidate(
        id=row.id, state=row.state, destination=row.destination,
        ratings=tuple(doc.get("ratings") or [row.rating]),
        end_user=PreparedName.from_json(names["end_user"]),
        consignee=PreparedName.from_json(consignee) if consignee else None,
        denied_on=row.denied_on, expires=row.expires_on, revoked_on=row.revoked_on,
        extra={"reference": row.reference, "destination": row.destination,
               "denied_on": row.denied_on.isoformat(), "rating": row.rating,
               "goods_description": doc.get("goods_description")},
    )


async def load_candidates(
    session: AsyncSession, *, destination: str, rating: str | None, on: dt.date,
    exclude_state: str | None, names: tuple[PreparedName | None, ...] | None = None,
) -> list[Candidate]:
    """Active denials for one destination and rating family: the only ones worth scoring.

    Given the names asked about, only the denials the name index files under one of their
    lookup keys: every denial whose names could be the same entity, and few others.
    """
    family = rating_key(rating)
    query = select(denials).where(
        denials.c.denied_on <= on, denials.c.expires_on > on,
        or_(denials.c.revoked_on.is_(None), denials.c.revoked_on > on))
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
    return [_candidate(r) for r in (await session.execute(query)).all()]


async def find_matches(runtime: Runtime, body: dict[str, Any], who: Principal) -> dict[str, Any]:
    """Active denials of other states for an essentially identical transaction, best first.

    `candidates` counts the denials compared in full: those the name index offered.
    """
    on: dt.date = body.get("on") or today()
    consignee = body.get("consignee")
    application_ref = body.get("application_ref")
    end_user_name = prepare(body["end_user"]["name"])
    consignee_name = prepare(consignee["name"]) if consignee else None
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
            session, destination=body["destination"], rating=body.get("rating"), on=on,
            exclude_state=who.state,
            names=(end_user_name, consignee_name) if indexed else None)
        dismissed: frozenset[str] = frozenset()
        if application_ref:
            dismissed = frozenset((await session.execute(
                select(dismissals.c.denial_id)
                .where(dismissals.c.application_ref == application_ref))).scalars())
    query = Screening(
        destination=body["destination"], end_user=end_user_name, consignee=consignee_name,
        rating=body.get("rating"), on=on, state=who.state, dismissed=dismissed)
    matches = screen(query, candidates)
    return {"matches": [m.to_json() for m in matches], "registry_version": int(version),
            "on": on.isoformat(), "candidates": len(candidates),
            "dismissed": sorted(dismissed), "matcher_version": MATCHER_VERSION}


async def record_dismissal(
    runtime: Runtime, session: AsyncSession, *, application_ref: str, denial_id: str,
    reason: str, actor: Actor, dismissed_at: dt.datetime, application_id: str | None = None,
    correlation_id: str | None = None, causation_id: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Append MatchDismissed and keep the ruling, in the caller's transaction.

    Idempotent per (case, denial): a pair already ruled on answers the first ruling and
    records nothing (False).
    """
    row = await _load(session, denial_id)
    existing = (await session.execute(select(dismissals).where(
        dismissals.c.application_ref == application_ref,
        dismissals.c.denial_id == denial_id))).first()
    if existing is not None:
        return _dismissal(existing), False
    payload: dict[str, Any] = {"denial_id": denial_id, "application_ref": application_ref,
                               "reason": reason, "state": row.state,
                               "dismissed_at": dismissed_at.isoformat()}
    if application_id:
        payload["application_id"] = application_id
    recorded = await runtime.store.append(
        session, denial_id, [NewEvent(events.MATCH_DISMISSED, payload, occurred_at=dismissed_at)],
        actor=actor, correlation_id=correlation_id or denial_id, causation_id=causation_id)
    await session.execute(update(denials).where(denials.c.id == denial_id).values(
        version=recorded[-1].stream_version))
    await session.execute(insert(dismissals).values(
        application_ref=application_ref, denial_id=denial_id, reason=reason,
        dismissed_by=actor.sub, dismissed_at=dismissed_at))
    return {"application_ref": application_ref, "denial_id": denial_id, "reason": reason,
            "dismissed_by": actor.sub, "dismissed_at": dismissed_at.isoformat()}, True


async def dismiss_match(runtime: Runtime, *, application_ref: str, denial_id: str, reason: str,
                        who: Principal) -> tuple[dict[str, Any], bool]:
    """An assessor rules a match not essentially identical; it is not raised again for the case."""
    async with runtime.transaction() as session:
        return await record_dismissal(runtime, session, application_ref=application_ref,
                                      denial_id=denial_id, reason=reason, actor=who.as_actor(),
                                      dismissed_at=utcnow())


def _dismissal(row: Any) -> dict[str, Any]:
    # SQLite hands stored times back without their zone; they were stored in UTC.
    at = row.dismissed_at if row.dismissed_at.tzinfo else row.dismissed_at.replace(tzinfo=dt.UTC)
    return {"application_ref": row.application_ref, "denial_id": row.denial_id,
            "reason": row.reason, "dismissed_by": row.dismissed_by,
            "dismissed_at": at.isoformat()}


async def list_dismissals(runtime: Runtime, application_ref: str) -> list[dict[str, Any]]:
    """The matches ruled not essentially identical for one application."""
    async with runtime.sessions() as session:
        rows = (await session.execute(select(dismissals).where(
            dismissals.c.application_ref == application_ref)
            .order_by(dismissals.c.dismissed_at))).all()
    return [_dismissal(r) for r in rows]
