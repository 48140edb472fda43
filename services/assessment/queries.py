"""Reads for the API: cases, licences, notices to parliament and classification requests, from
the read models the handlers keep."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.db import (
    cases,
    catch_all_requirements,
    classification_requests,
    investigations,
    licences,
    parliament_letters,
)
from services.assessment.db import parliament_notifications as notifications
from services.assessment.domain.case import decision_time_hours
from services.assessment.domain.case_commands import approval_blockers
from services.assessment.handlers.db import consultations_of
from shared.contracts.assessment import DenialMatch
from shared.errors import NotFound
from shared.pagination import Keyset, keyset_page
from shared.personal.vault import Vault


def _day(value: Any) -> str:
    return str(value.isoformat())


def _from_day(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))


async def case_page(session: AsyncSession, *, queue: str | None, status: str | None,
                    screening: str | None, limit: int, cursor: str | None
                    ) -> dict[str, Any]:
    """Cases oldest first, filtered by queue, status and screening status."""
    query = select(cases)
    if queue:
        query = query.where(cases.c.queue == queue)
    if status:
        query = query.where(cases.c.status == status)
    if screening:
        query = query.where(cases.c.screening_status == screening)
    # Accelerated open cases first (a destination's policy), then by opening: queue_order.
    rows, next_cursor = await keyset_page(
        session, query, Keyset(cases.c.queue_order, cases.c.id, dump=str, load=str),
        limit=limit, cursor=cursor)
    return {"items": [_summary(r, json.loads(r.document)) for r in rows],
            "next_cursor": next_cursor}


def _summary(row: Row[Any], doc: Mapping[str, Any]) -> dict[str, Any]:
    app = doc.get("application") or {}
    decision = doc.get("decision") or {}
    return {"id": row.id, "application_id": row.application_id, "reference": row.reference,
            "queue": row.queue, "status": row.status, "version": row.version,
            "regime": app.get("regime"), "procedure": app.get("procedure"),
            "received_at": app.get("received_at"), "destinations": app.get("destinations"),
            "value_eur": app.get("value_eur"), "rule": doc["routing"]["rule"],
            "screening_status": row.screening_status, "outcome": decision.get("outcome"),
            "licence_number": row.licence_number, "accelerated": row.accelerated}


async def _opened(vault: Vault | None, document: str, parts: tuple[str, ...] = ()
                  ) -> dict[str, Any]:
    """A read model's document with its personal fields opened (or `[erased]`): in each of
    `parts` (sealed part by part, handlers.db.CASE_PARTS), else in the whole document."""
    doc: dict[str, Any] = json.loads(document)
    if vault is None:
        return doc
    if not parts:
        [opened] = await vault.open_payloads([(vault.source, doc)], fetch=False)
        return cast(dict[str, Any], opened)
    present = [part for part in parts if doc.get(part) is not None]
    opened_parts = await vault.open_payloads([(vault.source, doc[part]) for part in present],
                                             fetch=False)
    return {**doc, **dict(zip(present, opened_parts, strict=True))}


async def case_view(session: AsyncSession, case_id: str,
                    last_errors: Mapping[str, str] | None, *, vault: Vault | None = None
                    ) -> dict[str, Any]:
    """The case with its routing, screening, consultation state, findings and decision.

    `last_errors` are the screener's latest reasons a pending screening did not run yet; with
    `vault` the personal fields are opened.
    """
    row = (await session.execute(select(cases).where(cases.c.id == case_id))).first()
    if row is None:
        raise NotFound(f"no case {case_id}")
    consulted = await consultations_of(session, row.reference)
    doc = await _opened(vault, row.document, ("application", "decision"))
    screening = dict(doc["screening"])
    blockers = approval_blockers(
        [DenialMatch.model_validate(m) for m in screening["denial_matches"]],
        [d["denial_id"] for d in doc["dismissals"]], consulted
    ) if screening["status"] == "completed" else []
    if screening["status"] == "pending" and last_errors is not None:
        screening["last_error"] = last_errors.get(case_id)
    elif screening["status"] == "failed":
        screening["last_error"] = (screening.get("failure") or {}).get("reason")
    return {**_summary(row, doc), "routing": doc["routing"], "screening": screening,
            "embargoes": screening["embargoes"], "denial_matches": screening["denial_matches"],
            "general_licence_hints": screening["general_licence_hints"],
            "consultation": {
                "blocked": bool(blockers), "blockers": [b.as_dict() for b in blockers],
                "consultations": [{"id": c.id, "denial_id": c.denial_id,
                                   "consulting_state": c.consulting_state,
                                   "denying_state": c.denying_state, "status": c.status,
                                   "decision": c.decision,
                                   "opened_at": c.opened_at.isoformat() if c.opened_at else None}
                                  for c in consulted]},
            "findings": sorted(doc["findings"].values(), key=lambda f: f["criterion"]),
            "dismissals": doc["dismissals"], "decision": doc.get("decision"),
            **_sanctioned(screening, doc),
            "amends": doc.get("amends"), "withdrawal": doc.get("withdrawal"),
            "application": doc["application"],
            "queue_history": doc.get("queue_history", []), "advice": doc.get("advice"),
            "catch_all_requirements": doc.get("catch_all_requirements", []),
            "decision_time_hours": _decision_time(doc)}


def _sanctioned(screening: Mapping[str, Any], doc: Mapping[str, Any]) -> dict[str, Any]:
    """The parties' hits on the sanctions list, each with its dismissal (or none), and the
    dismissals; `blocked` while a hit is not dismissed."""
    rulings = {d["entity_id"]: d for d in doc.get("sanctions_dismissals", [])}
    hits = [{**h, "dismissal": rulings.get(h["entity_id"])}
            for h in screening.get("sanctioned_parties", [])]
    return {"sanctioned_parties": hits,
            "sanctions_dismissals": list(rulings.values()),
            "sanctions_blocked": any(h["dismissal"] is None for h in hits)}


def _decision_time(doc: Mapping[str, Any]) -> float | None:
    decision, app = doc.get("decision"), doc.get("application")
    if not decision or not app:
        return None
    return decision_time_hours(dt.datetime.fromisoformat(app["received_at"]),
                               dt.datetime.fromisoformat(decision["decided_at"]))


async def licence_view(session: AsyncSession, number: str, *, vault: Vault | None = None
                       ) -> dict[str, Any]:
    """A licence as issued, with its current status, history and the licences amending it
    (with `vault`, its personal fields opened)."""
    row = (await session.execute(select(licences).where(licences.c.licence_number == number))
           ).first()
    if row is None:
        raise NotFound(f"no licence {number}")
    doc = await _opened(vault, row.document)
    amended_by = (await session.execute(
        select(licences.c.licence_number).where(licences.c.amends_licence_number == number)
        .order_by(licences.c.licence_number))).scalars().all()
    doc.update(status=row.status, amended_by=list(amended_by))
    return doc


def _notification(row: Row[Any], today: dt.date) -> dict[str, Any]:
    # A notice for a periodic letter has no deadline of its own: never overdue.
    late = row.due_by is not None and row.due_by < today
    status = "sent" if row.sent_on else ("overdue" if late else "due")
    return {"id": row.id, "licence_number": row.licence_number,
            "application_id": row.application_id, "destination": row.destination,
            "description": row.description, "value_eur": row.value_eur,
            "decided_on": row.decided_on.isoformat(),
            "due_by": row.due_by.isoformat() if row.due_by else None,
            "sent_on": row.sent_on.isoformat() if row.sent_on else None, "status": status,
            "kind": row.kind, "explanation": row.explanation,
            "letter_reference": row.letter_reference}


async def notification_page(session: AsyncSession, *, status: str | None, today: dt.date,
                            limit: int, cursor: str | None) -> dict[str, Any]:
    """Notices by due date (a periodic letter's by its decision's): `due` (not sent, not
    late), `overdue`, `sent`."""
    t = notifications.c
    query = select(notifications)
    if status == "due":
        query = query.where(t.sent_on.is_(None), or_(t.due_by.is_(None), t.due_by >= today))
    elif status == "overdue":
        query = query.where(t.sent_on.is_(None), t.due_by < today)
    elif status == "sent":
        query = query.where(t.sent_on.is_not(None))
    rows, next_cursor = await keyset_page(
        session, query, Keyset(t.listed_on, t.id, dump=_day, load=_from_day), limit=limit,
        cursor=cursor)
    return {"items": [_notification(r, today) for r in rows], "next_cursor": next_cursor}


async def notification(session: AsyncSession, notification_id: str,
                       today: dt.date) -> dict[str, Any]:
    """One notice to parliament."""
    row = (await session.execute(select(notifications).where(
        notifications.c.id == notification_id))).first()
    if row is None:
        raise NotFound(f"no parliament notification {notification_id}")
    return _notification(row, today)


async def letter_page(session: AsyncSession, *, limit: int, cursor: str | None
                      ) -> dict[str, Any]:
    """Letters to parliament, oldest first."""
    t = parliament_letters.c
    rows, next_cursor = await keyset_page(
        session, select(parliament_letters), Keyset(t.sent_on, t.id, dump=_day, load=_from_day),
        limit=limit, cursor=cursor)
    return {"items": [json.loads(r.document) for r in rows], "next_cursor": next_cursor}


async def letter(session: AsyncSession, letter_id: str) -> dict[str, Any]:
    """One letter to parliament."""
    row = (await session.execute(select(parliament_letters).where(
        parliament_letters.c.id == letter_id))).first()
    if row is None:
        raise NotFound(f"no letter {letter_id}")
    return dict(json.loads(row.document))


def _requirement(row: Row[Any], today: dt.date) -> dict[str, Any]:
    active = row.imposed_on <= today and (row.lifted_on is None or today < row.lifted_on)
    return {**json.loads(row.document), "active": active}


async def requirement_page(session: AsyncSession, *, active: bool | None, today: dt.date,
                           limit: int, cursor: str | None) -> dict[str, Any]:
    """Catch-all requirements by the day they were imposed; `active` ones hold today."""
    t = catch_all_requirements.c
    query = select(catch_all_requirements)
    holds = (t.imposed_on <= today) & or_(t.lifted_on.is_(None), t.lifted_on > today)
    if active is True:
        query = query.where(holds)
    elif active is False:
        query = query.where(~holds)
    rows, next_cursor = await keyset_page(
        session, query, Keyset(t.imposed_on, t.id, dump=_day, load=_from_day), limit=limit,
        cursor=cursor)
    return {"items": [_requirement(r, today) for r in rows], "next_cursor": next_cursor}


async def requirement(session: AsyncSession, requirement_id: str,
                      today: dt.date) -> dict[str, Any]:
    """One catch-all requirement."""
    row = (await session.execute(select(catch_all_requirements).where(
        catch_all_requirements.c.id == requirement_id))).first()
    if row is None:
        raise NotFound(f"no catch-all requirement {requirement_id}")
    return _requirement(row, today)


def _investigation(row: Row[Any], today: dt.date) -> dict[str, Any]:
    doc = json.loads(row.document)
    age = (today - row.referred_on).days if row.status == "open" else None
    return {**doc, "age_days": age}


async def investigation_page(session: AsyncSession, *, status: str | None, today: dt.date,
                             limit: int, cursor: str | None) -> dict[str, Any]:
    """Referrals for investigation, oldest first; an open one says how long it has waited."""
    t = investigations.c
    query = select(investigations)
    if status:
        query = query.where(t.status == status)
    rows, next_cursor = await keyset_page(
        session, query, Keyset(t.referred_on, t.id, dump=_day, load=_from_day), limit=limit,
        cursor=cursor)
    return {"items": [_investigation(r, today) for r in rows], "next_cursor": next_cursor}


async def investigation(session: AsyncSession, referral_id: str,
                        today: dt.date) -> dict[str, Any]:
    """One referral for investigation."""
    row = (await session.execute(select(investigations).where(
        investigations.c.id == referral_id))).first()
    if row is None:
        raise NotFound(f"no investigation {referral_id}")
    return _investigation(row, today)


async def classification_page(session: AsyncSession, *, status: str | None, limit: int,
                              cursor: str | None) -> dict[str, Any]:
    """Classification requests oldest first."""
    t = classification_requests.c
    query = select(classification_requests)
    if status:
        query = query.where(t.status == status)
    rows, next_cursor = await keyset_page(session, query, Keyset(t.requested_at, t.id),
                                          limit=limit, cursor=cursor)
    return {"items": [{**json.loads(r.document), "status": r.status} for r in rows],
            "next_cursor": next_cursor}
