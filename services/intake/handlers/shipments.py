"""Shipments under a licence: counted once per declaration, never beyond the licence's value."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from services.intake.domain.licences import evolve
from services.intake.domain.shipments import RecordShipment, check_day, decide_shipment
from services.intake.domain.values import money
from services.intake.handlers import db
from services.intake.handlers.common import body_hash
from services.intake.schemas import ShipmentIn
from shared.auth import Principal
from shared.clock import noon, today
from shared.contracts.intake import ShipmentRecorded, ShipmentRefused
from shared.errors import Conflict, NotFound, Unavailable, VersionConflict
from shared.reference import ReferenceData
from shared.reference.sanctions import GoodsSanctions
from shared.service import Runtime

log = logging.getLogger(__name__)
# Shipments racing on one licence are judged again, this often, before the caller is told to retry.
ATTEMPTS = 8


@dataclass(frozen=True)
class ShipmentOutcome:
    """What became of a shipment: recorded or refused (new, or as it was the first time)."""

    event: ShipmentRecorded | ShipmentRefused
    created: bool


async def record_shipment(
    runtime: Runtime, ref: ReferenceData, sanctions: GoodsSanctions, *, licence_number: str,
    body: ShipmentIn, who: Principal,
) -> ShipmentOutcome:
    """Count a shipment against its licence once per declaration_ref, or record its refusal."""
    fingerprint = body_hash({**body.model_dump(mode="json"), "licence_number": licence_number})
    cmd = RecordShipment(licence_number=licence_number, declaration_ref=body.declaration_ref,
                         shipped_on=body.shipped_on, country=body.country,
                         quantity=body.quantity, value_eur=money(body.value_eur))
    check_day(cmd, today=today())
    for _attempt in range(ATTEMPTS):
        try:
            return await _record(runtime, ref, sanctions, cmd, fingerprint, who)
        except (VersionConflict, IntegrityError, OperationalError) as exc:
            # Another shipment on this licence (or a twin of this one) committed first.
            log.info("shipment %s on %s raced (%s); judging again", cmd.declaration_ref,
                     licence_number, type(exc).__name__)
    raise Unavailable(f"licence {licence_number} is receiving many shipments at once; retry "
                      "the same request", code="busy", retry_after=1)


async def _record(runtime: Runtime, ref: ReferenceData, sanctions: GoodsSanctions,
                  cmd: RecordShipment, fingerprint: str, who: Principal) -> ShipmentOutcome:
    async with runtime.transaction() as session:
        existing = await db.shipment_row(session, cmd.declaration_ref)
        if existing is not None and (existing.outcome == "recorded"
                                     or existing.body_hash == fingerprint):
            return _replay(existing, fingerprint)
        loaded = await db.load_licence(session, cmd.licence_number)
        if loaded is None:
            raise NotFound(f"no licence {cmd.licence_number} is known to intake",
                           code="unknown-licence")
        exporter = loaded.state.exporter_eori
        requirements = await db.requirements_on(session, exporter) if exporter else []
        event = decide_shipment(loaded.state, cmd, ref, sanctions=sanctions,
                                requirements=requirements)
        if isinstance(event, ShipmentRecorded):
            await db.save_licence(session, evolve(loaded.state, event, on=cmd.shipped_on),
                                  version=loaded.version)
        # An earlier refusal of this declaration with other data: the new judgement counts.
        await db.write_shipment(session, event, body_hash=fingerprint,
                                replacing=existing.body_hash if existing is not None else None)
        await runtime.store.append(session, event.application_id, [event],
                                   actor=who.as_actor(), occurred_at=noon(cmd.shipped_on),
                                   correlation_id=event.application_id)
    return ShipmentOutcome(event, created=True)


def _replay(row: Any, fingerprint: str) -> ShipmentOutcome:
    if row.body_hash != fingerprint:
        raise Conflict(f"declaration {row.declaration_ref} was already recorded under licence "
                       f"{row.licence_number} with other data; it counts once",
                       code="idempotency-conflict", declaration_ref=row.declaration_ref)
    return ShipmentOutcome(db.shipment_of(row), created=False)
