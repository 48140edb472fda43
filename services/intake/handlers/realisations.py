"""General-licence realisations: stored always, flagged when outside the licence's conditions."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.exc import IntegrityError

from services.intake import domain, events
from services.intake.db import realisations
from services.intake.handlers.common import body_hash, key_reused, rows_after_conflict
from services.intake.schemas import RealisationIn
from shared.auth import Principal
from shared.clock import utcnow
from shared.contracts.intake import RealisationReported
from shared.envelope import canonical_json
from shared.problems import Problem
from shared.reference import ReferenceData, UnknownGeneralLicence
from shared.service import Runtime


async def report_realisation(
    runtime: Runtime, ref: ReferenceData, *, code: str, body: RealisationIn, key: str,
    who: Principal,
) -> tuple[dict[str, Any], bool]:
    """Record a realisation once per idempotency key; returns (document, created)."""
    try:
        licence = ref.general_licence(code)
    except UnknownGeneralLicence:
        known = ", ".join(ref.general_licence_codes())
        raise Problem(404, "Not found", f"no general licence {code!r}; known: {known}",
                      kind="unknown-general-licence",
                      errors=[{"loc": ["path", "code"], "msg": f"code: unknown {code!r}"}],
                      ) from None
    data = {**body.model_dump(mode="json"), "code": code}
    fingerprint = body_hash(data)
    existing = await _by_key(runtime, key)
    if existing is not None:
        return _replay(existing, fingerprint), False
    today = domain.business_date(utcnow())
    errors = domain.validate_realisation(data, ref, today=today)
    if errors:
        raise domain.InvalidRequest(errors)
    on = domain.realisation_check_date(body.period, today)
    flags = ref.check_general_licence(code, direction=body.direction, country=body.country,
                                      destination=body.destination, ratings=body.ratings, on=on)
    rid = str(uuid.uuid4())
    document = events.payload(
        events.REALISATION_REPORTED, **data, id=rid, regime=licence.regime,
        flagged=bool(flags), flags=flags, checked_on=on.isoformat())
    # The event gives each flag its code (RealisationReported v2); the answer lists them too.
    reported = RealisationReported.model_validate(RealisationReported.upcast_v1_v2(document))
    document["flag_codes"] = [flag.code for flag in reported.flags]
    try:
        async with runtime.transaction() as session:
            await session.execute(insert(realisations).values(
                id=rid, idempotency_key=key, body_hash=fingerprint, code=code,
                document=canonical_json(document)))
            await runtime.store.append(
                session, rid, [reported],
                actor=who.as_actor(), correlation_id=rid, expected_version=0)
    except IntegrityError:
        # A concurrent twin took the key, perhaps in the same commit group.
        rows = await rows_after_conflict(runtime, _with_key(key))
        if not rows:
            raise
        return _replay(rows[0], fingerprint), False
    return document, True


def _with_key(key: str) -> Select[Any]:
    return select(realisations).where(realisations.c.idempotency_key == key)


async def _by_key(runtime: Runtime, key: str) -> Any:
    async with runtime.sessions() as session:
        return (await session.execute(_with_key(key))).first()


def _replay(row: Any, fingerprint: str) -> dict[str, Any]:
    if row.body_hash != fingerprint:
        raise key_reused("realisation", row.id)
    return json.loads(row.document)  # type: ignore[no-any-return]


async def get_realisation(runtime: Runtime, rid: str) -> dict[str, Any]:
    """One realisation as recorded, with its flags."""
    async with runtime.sessions() as session:
        row = (await session.execute(
            select(realisations).where(realisations.c.id == rid))).first()
    if row is None:
        raise Problem(404, "Not found", f"no realisation {rid}")
    return json.loads(row.document)  # type: ignore[no-any-return]
