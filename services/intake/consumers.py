"""Intake's subscription to assessment: case status, decisions, licences and answers."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import domain
from services.intake.db import applications, classification_requests, licences
from services.intake.handlers.common import rows_changed
from shared.consumer import ConsumerSpec
from shared.envelope import Envelope, canonical_json

log = logging.getLogger(__name__)
UNDECIDED = ("submitted", "under_assessment")


def _app_id(env: Envelope) -> str:
    return str(env.payload.get("application_id") or env.stream_id)


async def on_case_opened(session: AsyncSession, env: Envelope) -> None:
    """A case exists: the application is under assessment."""
    await session.execute(
        update(applications)
        .where(applications.c.id == _app_id(env), applications.c.status == "submitted")
        .values(status="under_assessment", version=applications.c.version + 1))


async def on_case_decided(session: AsyncSession, env: Envelope) -> None:
    """The case was decided: approved or denied, with the criteria of a denial."""
    p = env.payload
    outcome = p.get("outcome")
    if outcome not in ("approved", "denied"):
        raise ValueError(f"CaseDecided with unknown outcome {outcome!r}")
    decision = {"criteria": p.get("criteria") or [], "note": p.get("note"),
                "decided_at": p.get("decided_at") or env.occurred_at.isoformat()}
    # A withdrawal that got in first stands: the application stays withdrawn.
    done = await session.execute(
        update(applications)
        .where(applications.c.id == _app_id(env), applications.c.status.in_(UNDECIDED))
        .values(status=outcome, decision=canonical_json(decision),
                version=applications.c.version + 1))
    if rows_changed(done) == 0:
        log.info("CaseDecided %s (correlation %s) for application %s left its status as is",
                 env.event_id, env.correlation_id, _app_id(env))


def _day(value: Any, default: dt.date) -> dt.date:
    if not value:
        return default
    return dt.date.fromisoformat(str(value)[:10])


async def on_licence_issued(session: AsyncSession, env: Envelope) -> None:
    """A licence was issued: intake now accepts shipments under it."""
    p = env.payload
    number, app_id = str(p["licence_number"]), _app_id(env)
    known = (await session.execute(select(licences.c.licence_number).where(
        licences.c.licence_number == number))).first()
    if known is None:
        valid_from = _day(p.get("valid_from"), domain.business_date(env.occurred_at))
        used = await _take_over(session, p.get("amends"), number, valid_from)
        years = 3 if p.get("licence_type") == "global" else 2
        default_until = valid_from + dt.timedelta(days=365 * years)
        await session.execute(insert(licences).values(
            licence_number=number, application_id=app_id, regime=str(p.get("regime", "")),
            destinations=json.dumps(list(p.get("destinations") or [])),
            destination_group=p.get("destination_group"),
            value_eur=domain.money_str(domain.money(str(p.get("value_eur") or "0"))),
            used_eur=used, valid_from=valid_from,
            valid_until=_day(p.get("valid_until"), default_until),
            status="active", revoked_on=None, suspensions="[]",
            document=canonical_json({k: p.get(k) for k in (
                "reference", "licence_type", "transaction", "purpose", "goods",
                "decided_at", "amends") if k in p}),
            version=1))
    await session.execute(
        update(applications).where(applications.c.id == app_id)
        .values(licence_number=number, version=applications.c.version + 1))
    await session.execute(
        update(applications)
        .where(applications.c.id == app_id, applications.c.status.in_(UNDECIDED))
        .values(status="approved"))


async def _take_over(session: AsyncSession, amends: Any, number: str, on: dt.date) -> str:
    """Supersede the licence an extension or replacement amends; returns its used value.

    What was shipped under the old licence counts against the new one, or an extension
    would let an exporter ship the licence value twice.
    """
    if not isinstance(amends, dict) or not amends.get("licence_number"):
        return "0.00"
    old = (await session.execute(select(licences).where(
        licences.c.licence_number == str(amends["licence_number"])))).first()
    if old is None:
        return "0.00"
    await session.execute(update(licences).where(
        licences.c.licence_number == old.licence_number).values(
        superseded_by=number, superseded_on=on, version=licences.c.version + 1))
    return str(old.used_eur)


async def _licence(session: AsyncSession, env: Envelope) -> Any:
    number = str(env.payload["licence_number"])
    row = (await session.execute(select(licences).where(
        licences.c.licence_number == number))).first()
    if row is None:
        raise ValueError(f"{env.type} for licence {number}, which intake has not seen issued")
    return row


async def on_licence_suspended(session: AsyncSession, env: Envelope) -> None:
    """A suspension: shipments from this day on are refused until reinstated."""
    row = await _licence(session, env)
    periods = json.loads(row.suspensions)
    if periods and periods[-1][1] is None:
        return
    since = _day(env.payload.get("suspended_on"), domain.business_date(env.occurred_at))
    periods.append([since.isoformat(), None])
    await _set(session, row, status="suspended" if row.status != "revoked" else "revoked",
               suspensions=json.dumps(periods))


async def on_licence_reinstated(session: AsyncSession, env: Envelope) -> None:
    """The end of a suspension."""
    row = await _licence(session, env)
    periods = json.loads(row.suspensions)
    if not periods or periods[-1][1] is not None:
        return
    periods[-1][1] = _day(env.payload.get("reinstated_on"),
                          domain.business_date(env.occurred_at)).isoformat()
    await _set(session, row, status="active" if row.status != "revoked" else "revoked",
               suspensions=json.dumps(periods))


async def on_licence_revoked(session: AsyncSession, env: Envelope) -> None:
    """A revocation: no shipment from this day on."""
    row = await _licence(session, env)
    on = _day(env.payload.get("revoked_on"), domain.business_date(env.occurred_at))
    await _set(session, row, status="revoked", revoked_on=on)


async def _set(session: AsyncSession, row: Any, **values: Any) -> None:
    # Bumping the version makes a shipment judged on the old standing retry.
    await session.execute(update(licences).where(
        licences.c.licence_number == row.licence_number).values(
        **values, version=licences.c.version + 1))


async def on_classification_answered(session: AsyncSession, env: Envelope) -> None:
    """Specialists answered a classification request."""
    p = env.payload
    rid = str(p.get("request_id") or env.stream_id)
    answer = {"rating": p.get("rating"), "controlled": bool(p.get("controlled")),
              "note": p.get("note"), "answered_at": env.occurred_at.isoformat()}
    await session.execute(update(classification_requests).where(
        classification_requests.c.id == rid).values(status="answered",
                                                    answer=canonical_json(answer)))


def consumer_spec() -> ConsumerSpec:
    """The durable consumer of assessment's events."""
    return ConsumerSpec(
        name="intake",
        subjects=["lic.assessment.>"],
        handlers={
            "CaseOpened": on_case_opened,
            "CaseRouted": on_case_opened,
            "CaseDecided": on_case_decided,
            "LicenceIssued": on_licence_issued,
            "LicenceSuspended": on_licence_suspended,
            "LicenceReinstated": on_licence_reinstated,
            "LicenceRevoked": on_licence_revoked,
            "ClassificationAnswered": on_classification_answered,
        },
    )
