"""Handlers of licences: issuing one on approval, suspending, reinstating, revoking."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import domain
from services.assessment import events as ev
from services.assessment.db import cases, licence_counters, licences, parliament_notifications
from services.assessment.handlers.base import Context, LoadedCase, NotFound
from shared.auth import Principal
from shared.envelope import canonical_json
from shared.eventstore import NewEvent


async def next_sequence(session: AsyncSession, prefix: str) -> int:
    """The next number of a licence prefix, from a counter row in the caller's transaction."""
    # UPDATE first: on PostgreSQL the row lock serialises concurrent approvals.
    result = await session.execute(
        update(licence_counters).where(licence_counters.c.prefix == prefix)
        .values(last=licence_counters.c.last + 1).returning(licence_counters.c.last))
    row = result.first()
    if row is not None:
        return int(row[0])
    await session.execute(insert(licence_counters).values(prefix=prefix, last=1))
    return 1


async def issue_licence(ctx: Context, session: AsyncSession, case: LoadedCase, *,
                        decided_at: dt.datetime) -> tuple[str, list[NewEvent]]:
    """Number, validity and the LicenceIssued (plus fast-track) events of an approval."""
    app = case.doc["application"]
    decided_on = domain.business_date(decided_at)
    number = domain.licence_number(
        domain.licence_prefix(app["regime"], decided_on.year),
        await next_sequence(session, domain.licence_prefix(app["regime"], decided_on.year)))
    years = ctx.settings.validity_years(app["regime"], app.get("licence_type", "individual"))
    valid_from, valid_until = domain.validity(decided_on, years)
    value = domain.licence_value(app)
    payload: dict[str, Any] = {
        "licence_number": number, "application_id": case.id, "reference": case.reference,
        "regime": app["regime"], "licence_type": app.get("licence_type"),
        "transaction": app.get("transaction"), "purpose": app.get("purpose", "definitive"),
        "catch_all": bool(app.get("catch_all")), "destinations": app.get("destinations") or [],
        "destination_group": app.get("destination_group"), "origins": app.get("origins") or [],
        "goods": app.get("goods") or [], "value_eur": str(value),
        "service_value_eur": app.get("service_value_eur"),
        "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat(),
        "decided_at": decided_at.isoformat(), "decided_on": decided_on.isoformat(),
        "amends": case.doc.get("amends") or app.get("amends"),
        "applicant": app.get("applicant"), "end_user": app.get("end_user"),
        "consignee": app.get("consignee"), "end_use": app.get("end_use"),
        "queue": case.queue,
    }
    new = [NewEvent(ev.LICENCE_ISSUED, payload, occurred_at=decided_at)]
    amends = payload["amends"] or {}
    await session.execute(insert(licences).values(
        licence_number=number, application_id=case.id, status="active", valid_from=valid_from,
        valid_until=valid_until, amends_licence_number=amends.get("licence_number"),
        document=canonical_json({**payload, "status": "active", "history": []})))
    due = domain.fast_track(app, ctx.ref, decided_on=decided_on,
                            threshold=ctx.fast_track_threshold, days=ctx.fast_track_days)
    if due is not None:
        notification = {"id": number, "licence_number": number, "kind": "fast_track", **due}
        new.append(NewEvent(ev.PARLIAMENT_NOTIFICATION_DUE, notification, version=2,
                            occurred_at=decided_at))
        await session.execute(insert(parliament_notifications).values(
            id=number, licence_number=number, application_id=case.id,
            destination=due["destination"], description=due["description"],
            value_eur=due["value_eur"], decided_on=decided_on,
            due_by=dt.date.fromisoformat(due["due_by"])))
    return number, new


async def load_licence(session: AsyncSession, number: str) -> dict[str, Any]:
    """A licence's document with its current status, links and notification."""
    row = (await session.execute(select(licences).where(licences.c.licence_number == number))
           ).first()
    if row is None:
        raise NotFound(f"no licence {number}")
    doc = json.loads(row.document)
    amended_by = (await session.execute(
        select(licences.c.licence_number).where(licences.c.amends_licence_number == number)
        .order_by(licences.c.licence_number))).scalars().all()
    doc.update(status=row.status, amended_by=list(amended_by))
    return doc


async def change_licence(ctx: Context, who: Principal, number: str, *, action: str,
                         reason: str) -> dict[str, Any]:
    """Suspend, reinstate or revoke a licence, with a reason, as an event on its stream."""
    async with ctx.runtime.transaction() as session:
        row = (await session.execute(select(licences).where(licences.c.licence_number == number))
               ).first()
        if row is None:
            raise NotFound(f"no licence {number}")
        status, event_type = domain.licence_transition(action, row.status)
        recorded = await ctx.runtime.store.append(
            session, row.application_id,
            [NewEvent(event_type, {"licence_number": number, "reason": reason})],
            actor=who.as_actor())
        doc = json.loads(row.document)
        doc["status"] = status
        doc.setdefault("history", []).append({
            "action": action, "reason": reason, "by": who.sub,
            "at": recorded[0].recorded_at.isoformat()})
        await session.execute(update(licences).where(licences.c.licence_number == number)
                              .values(status=status, document=canonical_json(doc)))
        # The licence's events are on the case's stream: keep the case's version in step.
        await session.execute(update(cases).where(cases.c.id == row.application_id)
                              .values(version=recorded[-1].stream_version))
    async with ctx.runtime.sessions() as session:
        return await load_licence(session, number)


async def mark_notification_sent(ctx: Context, who: Principal, notification_id: str, *,
                                 sent_on: dt.date) -> None:
    """Record that parliament was informed."""
    async with ctx.runtime.transaction() as session:
        row = (await session.execute(select(parliament_notifications).where(
            parliament_notifications.c.id == notification_id))).first()
        if row is None:
            raise NotFound(f"no parliament notification {notification_id}")
        if row.sent_on is not None:
            raise domain.DomainError(f"notification {notification_id} was sent on {row.sent_on}")
        if sent_on < row.decided_on:
            raise domain.InvalidCommand(f"sent_on lies before the decision ({row.decided_on})")
        recorded = await ctx.runtime.store.append(
            session, row.application_id,
            [NewEvent(ev.PARLIAMENT_NOTIFICATION_SENT,
                      {"id": row.id, "licence_number": row.licence_number,
                       "sent_on": sent_on.isoformat()})],
            actor=who.as_actor())
        await session.execute(update(parliament_notifications)
                              .where(parliament_notifications.c.id == notification_id)
                              .values(sent_on=sent_on))
        await session.execute(update(cases).where(cases.c.id == row.application_id)
                              .values(version=recorded[-1].stream_version))
