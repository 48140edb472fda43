"""Shipments under a licence: counted once per declaration, never beyond the licence's value."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import domain, events
from services.intake.db import licences, shipments
from services.intake.handlers.common import body_hash, rows_changed
from services.intake.schemas import ShipmentIn
from shared.auth import Principal
from shared.clock import utcnow
from shared.envelope import canonical_json
from shared.eventstore import ConcurrencyConflict, NewEvent
from shared.problems import Problem
from shared.reference import ReferenceData
from shared.service import Runtime

log = logging.getLogger(__name__)
ATTEMPTS = 8


@dataclass(frozen=True)
class ShipmentOutcome:
    """What became of a shipment: recorded (new or repeated) or refused, with its document."""

    document: dict[str, Any]
    created: bool
    refusal: domain.Refusal | None = None


class _Stale(Exception):
    """The licence's used value moved since it was read: judge again."""


async def record_shipment(
    runtime: Runtime, ref: ReferenceData, *, licence_number: str, body: ShipmentIn,
    who: Principal,
) -> ShipmentOutcome:
    """Count a shipment against its licence once per declaration_ref, or record its refusal."""
    data = {**body.model_dump(mode="json"), "licence_number": licence_number}
    fingerprint = body_hash(data)
    if body.shipped_on > domain.business_date(utcnow()):
        raise domain.InvalidRequest([domain.FieldError(("body", "shipped_on"),
                                                       "lies in the future")])
    for _attempt in range(ATTEMPTS):
        try:
            return await _attempt_once(runtime, ref, data, fingerprint, body, who)
        except (_Stale, ConcurrencyConflict, IntegrityError, OperationalError) as exc:
            # Another shipment on this licence (or a twin of this one) committed first.
            log.info("shipment %s on %s raced (%s); judging again", body.declaration_ref,
                     licence_number, type(exc).__name__)
    raise Problem(503, "Busy", f"licence {licence_number} is receiving many shipments at "
                               "once; retry the same request", kind="busy",
                  headers={"Retry-After": "1"})


async def _attempt_once(
    runtime: Runtime, ref: ReferenceData, data: dict[str, Any], fingerprint: str,
    body: ShipmentIn, who: Principal,
) -> ShipmentOutcome:
    number = data["licence_number"]
    async with runtime.transaction() as session:
        existing = (await session.execute(
            select(shipments).where(shipments.c.declaration_ref == body.declaration_ref)
        )).first()
        if existing is not None and (existing.outcome == "recorded"
                                     or existing.body_hash == fingerprint):
            return _replay(existing, fingerprint)
        row = await _licence_row(session, number)
        state = licence_state(row)
        refusal = domain.judge_shipment(
            state, shipped_on=body.shipped_on, country=body.country,
            value_eur=domain.money(body.value_eur), ref=ref)
        base = {**data, "application_id": row.application_id, "regime": row.regime}
        if refusal is None:
            new_used = state.used_eur + domain.money(body.value_eur)
            moved = await session.execute(
                update(licences)
                .where(licences.c.licence_number == number, licences.c.version == row.version)
                .values(used_eur=domain.money_str(new_used), version=row.version + 1))
            if rows_changed(moved) != 1:
                raise _Stale(number)
            event_type, outcome = events.SHIPMENT_RECORDED, "recorded"
            document = events.payload(event_type, **base)
        else:
            event_type, outcome = events.SHIPMENT_REFUSED, "refused"
            document = events.payload(event_type, **base, reason=refusal.reason,
                                      reason_code=refusal.code)
        document["outcome"] = outcome
        values = {"licence_number": number, "body_hash": fingerprint, "outcome": outcome,
                  "document": canonical_json(document)}
        if existing is None:
            await session.execute(insert(shipments).values(
                declaration_ref=body.declaration_ref, **values))
        else:
            # An earlier refusal of this declaration with other data: the new judgement counts.
            await session.execute(update(shipments).where(
                shipments.c.declaration_ref == body.declaration_ref,
                shipments.c.body_hash == existing.body_hash).values(**values))
        await runtime.store.append(
            session, row.application_id,
            [NewEvent(event_type, {k: v for k, v in document.items() if k != "outcome"},
                      occurred_at=_noon(body.shipped_on))],
            actor=who.as_actor(), correlation_id=row.application_id,
        )
    return ShipmentOutcome(document, created=True, refusal=refusal)


def _noon(day: dt.date) -> dt.datetime:
    # A shipment has a day, not a time; noon in Amsterdam keeps it on that day everywhere.
    return dt.datetime.combine(day, dt.time(12), tzinfo=domain.AMSTERDAM).astimezone(dt.UTC)


def _replay(row: Any, fingerprint: str) -> ShipmentOutcome:
    document = json.loads(row.document)
    if row.body_hash != fingerprint:
        raise Problem(409, "Declaration already recorded",
                      f"declaration {row.declaration_ref} was already recorded under licence "
                      f"{row.licence_number} with other data; it counts once",
                      kind="idempotency-conflict", declaration_ref=row.declaration_ref)
    refusal = None
    if row.outcome == "refused":
        refusal = domain.Refusal(document.get("reason_code", "refused"), document["reason"])
    return ShipmentOutcome(document, created=False, refusal=refusal)


async def _licence_row(session: AsyncSession, number: str) -> Any:
    row = (await session.execute(
        select(licences).where(licences.c.licence_number == number))).first()
    if row is None:
        raise Problem(404, "Not found", f"no licence {number} is known to intake",
                      kind="unknown-licence")
    return row


def licence_state(row: Any) -> domain.LicenceState:
    """The domain's view of a licence row."""
    return domain.LicenceState(
        licence_number=row.licence_number,
        destinations=tuple(json.loads(row.destinations)),
        destination_group=row.destination_group,
        value_eur=domain.money(row.value_eur),
        used_eur=domain.money(row.used_eur),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        revoked_on=row.revoked_on,
        superseded_by=row.superseded_by,
        superseded_on=row.superseded_on,
        suspensions=tuple(
            (dt.date.fromisoformat(start), dt.date.fromisoformat(end) if end else None)
            for start, end in json.loads(row.suspensions)),
    )


async def get_licence(runtime: Runtime, number: str) -> dict[str, Any]:
    """A licence with its value used and left, and where it stands."""
    async with runtime.sessions() as session:
        row = await _licence_row(session, number)
    state = licence_state(row)
    status = row.status
    if state.superseded_by is not None and status == "active":
        status = "superseded"
    elif status == "active" and domain.business_date(utcnow()) > state.valid_until:
        status = "expired"
    return {
        **json.loads(row.document),
        "licence_number": number,
        "application_id": row.application_id,
        "regime": row.regime,
        "status": status,
        "destinations": list(state.destinations),
        "destination_group": state.destination_group,
        "valid_from": state.valid_from.isoformat(),
        "valid_until": state.valid_until.isoformat(),
        "revoked_on": state.revoked_on.isoformat() if state.revoked_on else None,
        "superseded_by": state.superseded_by,
        "superseded_on": state.superseded_on.isoformat() if state.superseded_on else None,
        "suspensions": [{"from": s.isoformat(), "until": e.isoformat() if e else None}
                        for s, e in state.suspensions],
        "value_eur": domain.money_str(state.value_eur),
        "value_used_eur": domain.money_str(state.used_eur),
        "value_left_eur": domain.money_str(state.left_eur),
    }
