"""Consultations between the consulting and the denying state, and grant notifications."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.denials import events
from services.denials.db import applications, consultations, denials, notifications
from services.denials.domain import (
    AMSTERDAM,
    Conflict,
    NotAllowed,
    NotFound,
    business_date,
    check_outcome,
    check_reply,
    consultation_status,
    is_active,
    party,
)
from services.denials.handlers.common import Policy, today
from shared.auth import Principal
from shared.clock import utcnow
from shared.envelope import canonical_json
from shared.eventstore import NewEvent
from shared.pagination import Page, decode_cursor, encode_cursor
from shared.service import Runtime


def _view(row: Any, on: dt.date | None = None) -> dict[str, Any]:
    doc = json.loads(row.document)
    doc["status"] = consultation_status(row.status, row.due_by, on or today())
    doc["version"] = row.version
    return doc


async def _load_visible(session: AsyncSession, consultation_id: str, who: Principal) -> Any:
    row = (await session.execute(select(consultations)
                                 .where(consultations.c.id == consultation_id))).first()
    # A state that is no party learns nothing, not even that the consultation exists.
    if row is None or party(row._asdict(), who.state) is None:
        raise NotFound(f"no consultation {consultation_id}")
    return row


async def open_consultation(runtime: Runtime, policy: Policy, *, denial_id: str,
                            application_ref: str, question: str,
                            who: Principal) -> dict[str, Any]:
    """The consulting state asks the denying state about an essentially identical case."""
    if not who.state:
        raise NotAllowed("the token names no state; a partner token needs a `state` claim")
    async with runtime.transaction() as session:
        denial = (await session.execute(select(denials).where(denials.c.id == denial_id))).first()
        if denial is None:
            raise NotFound(f"no denial {denial_id}")
        if denial.state == who.state:
            raise Conflict(f"denial {denial_id} is your own ({who.state}); a state does not "
                           "consult itself")
        now = utcnow()
        on = business_date(now)
        if not is_active(denied_on=denial.denied_on, expires=denial.expires_on,
                         revoked_on=denial.revoked_on, on=on):
            raise Conflict(f"denial {denial_id} is no longer active; there is nothing to "
                           "consult on")
        running = (await session.execute(select(consultations.c.id).where(
            consultations.c.denial_id == denial_id,
            consultations.c.application_ref == application_ref,
            consultations.c.consulting_state == who.state,
            consultations.c.status != "closed"))).first()
        if running is not None:
            raise Conflict(f"consultation {running[0]} on this denial and application is still "
                           "running", consultation_id=running[0])
        consultation_id = str(uuid.uuid4())
        due_by = on + dt.timedelta(days=policy.consultation_days)
        payload: dict[str, Any] = {
            "id": consultation_id, "denial_id": denial_id, "consulting_state": who.state,
            "denying_state": denial.state, "application_ref": application_ref,
            "question": question, "due_by": due_by.isoformat(), "opened_at": now.isoformat(),
            "denial_reference": denial.reference,
        }
        if who.state == "NL":
            app_id = (await session.execute(select(applications.c.id).where(
                applications.c.reference == application_ref))).scalar()
            if app_id:
                payload["application_id"] = app_id
        recorded = await runtime.store.append(
            session, consultation_id,
            [NewEvent(events.CONSULTATION_OPENED, payload, occurred_at=now)],
            actor=who.as_actor(), correlation_id=consultation_id, expected_version=0)
        doc = {**payload, "answer": None, "note": None, "replied_at": None, "decision": None,
               "reasons": None, "closed_at": None}
        doc.pop("application_id", None)
        await session.execute(insert(consultations).values(
            id=consultation_id, denial_id=denial_id, consulting_state=who.state,
            denying_state=denial.state, application_ref=application_ref, status="open",
            opened_at=now, due_by=due_by, document=canonical_json(doc),
            version=recorded[-1].stream_version))
    return {**doc, "status": "open", "version": recorded[-1].stream_version}


async def get_consultation(runtime: Runtime, consultation_id: str,
                           who: Principal) -> dict[str, Any]:
    """One consultation, for its two parties only."""
    async with runtime.sessions() as session:
        return _view(await _load_visible(session, consultation_id, who))


async def reply(runtime: Runtime, consultation_id: str, *, answer: str, note: str | None,
                who: Principal) -> dict[str, Any]:
    """The denying state answers."""
    async with runtime.transaction() as session:
        row = await _load_visible(session, consultation_id, who)
        doc = json.loads(row.document)
        check_reply({**doc, "status": row.status}, who.state)
        now = utcnow()
        recorded = await runtime.store.append(
            session, consultation_id,
            [NewEvent(events.CONSULTATION_REPLIED,
                      {"id": consultation_id, "answer": answer, "note": note,
                       "replied_at": now.isoformat()}, occurred_at=now)],
            actor=who.as_actor(), correlation_id=consultation_id, expected_version=row.version)
        doc.update(answer=answer, note=note, replied_at=now.isoformat())
        await session.execute(update(consultations).where(consultations.c.id == consultation_id)
                              .values(status="answered", document=canonical_json(doc),
                                      version=recorded[-1].stream_version))
    return {**doc, "status": "answered", "version": recorded[-1].stream_version}


async def record_outcome(runtime: Runtime, consultation_id: str, *, decision: str,
                         reasons: str, who: Principal) -> dict[str, Any]:
    """The consulting state decides; a grant despite the denial is notified to the denier."""
    async with runtime.transaction() as session:
        row = await _load_visible(session, consultation_id, who)
        doc = json.loads(row.document)
        check_outcome({**doc, "status": row.status}, who.state)
        now = utcnow()
        closed = {"id": consultation_id, "decision": decision, "reasons": reasons,
                  "application_ref": row.application_ref,
                  "consulting_state": row.consulting_state, "denying_state": row.denying_state,
                  "denial_id": row.denial_id, "closed_at": now.isoformat()}
        new = [NewEvent(events.CONSULTATION_CLOSED, closed, occurred_at=now)]
        notice: dict[str, Any] | None = None
        if decision == "granted":
            notice = {"consultation_id": consultation_id, "denial_id": row.denial_id,
                      "denying_state": row.denying_state, "reasons": reasons,
                      "consulting_state": row.consulting_state,
                      "application_ref": row.application_ref,
                      "denial_reference": doc.get("denial_reference"),
                      "notified_at": now.isoformat()}
            new.append(NewEvent(events.GRANT_NOTIFIED, notice, occurred_at=now))
        recorded = await runtime.store.append(
            session, consultation_id, new, actor=who.as_actor(),
            correlation_id=consultation_id, expected_version=row.version)
        doc.update(decision=decision, reasons=reasons, closed_at=now.isoformat(),
                   grant_notified=notice is not None)
        await session.execute(update(consultations).where(consultations.c.id == consultation_id)
                              .values(status="closed", document=canonical_json(doc),
                                      version=recorded[-1].stream_version))
        if notice is not None:
            await session.execute(insert(notifications).values(
                id=recorded[-1].event_id, state=row.denying_state, kind="grant_despite_denial",
                consultation_id=consultation_id, created_at=now,
                document=canonical_json({"id": recorded[-1].event_id,
                                         "kind": "grant_despite_denial", **notice})))
    return {**doc, "status": "closed", "version": recorded[-1].stream_version}


async def list_consultations(runtime: Runtime, who: Principal, *, direction: str | None,
                             status: str | None, limit: int, cursor: str | None) -> Page:
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
    if cursor:
        pos = decode_cursor(cursor)
        at = dt.datetime.fromisoformat(str(pos.get("t")))
        query = query.where(or_(c.opened_at < at,
                                and_(c.opened_at == at, c.id < str(pos.get("id")))))
    query = query.order_by(c.opened_at.desc(), c.id.desc()).limit(limit + 1)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = (encode_cursor({"t": rows[-1].opened_at.isoformat(), "id": rows[-1].id})
           if more and rows else None)
    return Page(items=[_view(r, on) for r in rows], next_cursor=nxt)


async def stats(runtime: Runtime, year: int) -> dict[str, Any]:
    """Consultations started and received per state, counted in the year they were opened."""
    # Stored times are UTC (SQLite keeps no zone), so the year's bounds are given in UTC.
    start = dt.datetime(year, 1, 1, tzinfo=AMSTERDAM).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=AMSTERDAM).astimezone(dt.UTC)
    async with runtime.sessions() as session:
        rows = (await session.execute(
            select(consultations.c.consulting_state, consultations.c.denying_state)
            .where(consultations.c.opened_at >= start, consultations.c.opened_at < end))).all()
    counts: dict[str, dict[str, int]] = {}
    for consulting, denying in rows:
        counts.setdefault(consulting, {"started": 0, "received": 0})["started"] += 1
        counts.setdefault(denying, {"started": 0, "received": 0})["received"] += 1
    items = [{"state": s, **n} for s, n in sorted(counts.items())]
    return {"year": year, "consultations": len(rows), "items": items}


async def list_notifications(runtime: Runtime, who: Principal, *, limit: int,
                             cursor: str | None) -> Page:
    """What the caller's state has been told: grants despite its denials."""
    n = notifications.c
    query = select(notifications).where(n.state == who.state)
    if cursor:
        pos = decode_cursor(cursor)
        at = dt.datetime.fromisoformat(str(pos.get("t")))
        query = query.where(or_(n.created_at < at, and_(n.created_at == at,
                                                         n.id < str(pos.get("id")))))
    query = query.order_by(n.created_at.desc(), n.id.desc()).limit(limit + 1)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = (encode_cursor({"t": rows[-1].created_at.isoformat(), "id": rows[-1].id})
           if more and rows else None)
    return Page(items=[json.loads(r.document) for r in rows], next_cursor=nxt)
