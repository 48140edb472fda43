"""General-licence realisations: stored always, flagged when outside the licence's conditions."""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

from sqlalchemy.exc import IntegrityError

from services.intake.domain.general_licences import general_licence
from services.intake.domain.prerequisites import Registers
from services.intake.domain.realisations import ReportRealisation, decide_report
from services.intake.domain.values import money
from services.intake.handlers import db
from services.intake.handlers.common import body_hash, key_reused, rows_after_conflict
from services.intake.schemas import RealisationIn
from shared.auth import Principal
from shared.clock import today
from shared.contracts.types import Company, Consignee
from shared.reference import ReferenceData
from shared.reference.sanctions import GoodsSanctions
from shared.service import Runtime


async def report_realisation(
    runtime: Runtime, ref: ReferenceData, registers: Registers, sanctions: GoodsSanctions, *,
    code: str, body: RealisationIn, key: str, who: Principal,
) -> tuple[dict[str, Any], bool]:
    """Record a realisation once per idempotency key; returns (document, created)."""
    general_licence(ref, code)  # an unknown code is not found, whatever the body says
    fingerprint = body_hash({**body.fingerprint_fields(), "code": code})
    async with runtime.sessions() as session:
        existing = (await session.execute(db.realisation_with_key(key))).first()
    if existing is not None:
        return _replay(existing, fingerprint), False
    cmd = ReportRealisation(
        realisation_id=str(uuid.uuid4()), code=code,
        exporter=Company(name=body.exporter.name, eori=body.exporter.eori), period=body.period,
        direction=body.direction, country=body.country, destination=body.destination,
        value_eur=money(body.value_eur), ratings=tuple(body.ratings), used_on=body.used_on,
        origin=body.origin,
        recipient=Consignee(name=body.recipient.name, country=body.recipient.country)
        if body.recipient else None)
    async with runtime.sessions() as session:
        registrations = await db.registrations_of(session, code=code, eori=cmd.exporter.eori)
        requirements = await db.requirements_on(session, cmd.exporter.eori)
    event = decide_report(cmd, ref, today=today(), registrations=registrations,
                          registers=registers, sanctions=sanctions,
                          requirements=requirements)
    try:
        async with runtime.transaction() as session:
            await db.insert_realisation(session, event, key=key, body_hash=fingerprint)
            await runtime.store.append(session, event.id, [event], actor=who.as_actor(),
                                       correlation_id=event.id, expected_version=0)
    except IntegrityError:
        # A concurrent twin took the key, perhaps in the same commit group.
        rows = await rows_after_conflict(runtime, db.realisation_with_key(key))
        if not rows:
            raise
        return _replay(rows[0], fingerprint), False
    return db.realisation_document(event), True


def _replay(row: Any, fingerprint: str) -> dict[str, Any]:
    if row.body_hash != fingerprint:
        raise key_reused("realisation", row.id)
    return cast(dict[str, Any], json.loads(row.document))
