"""The read models' rows, written from the state a command or an event produced, and read back.

An application's row and a licence's row are the snapshots of their aggregates: a handler loads
the state with the row's `version`, and writes the new state back only if the version is still
the one it read (compare-and-set), so two changes cannot both build on one state. Realisations,
shipments and classification requests keep the document customs reads.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Select, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.db import applications, classification_requests, licences, realisations
from services.intake.db import shipments as shipments_table
from services.intake.domain.application import Application, Decision
from services.intake.domain.licences import Licence, Suspension
from shared.aggregate import Loaded
from shared.contracts.intake import (
    ApplicationSubmitted,
    ClassificationRequested,
    RealisationReported,
    ShipmentRecorded,
    ShipmentRefused,
)
from shared.contracts.types import money_text
from shared.envelope import canonical_json
from shared.errors import VersionConflict

# -- applications ------------------------------------------------------------------------------


def holding(key: str, reference: str) -> Select[Any]:
    """The applications holding this idempotency key or this reference."""
    return select(applications).where(
        or_(applications.c.idempotency_key == key, applications.c.reference == reference))


def application_of(row: Row[Any]) -> Application:
    """The application a row holds."""
    decision = None
    if row.decision:
        data = json.loads(row.decision)
        decision = Decision(decided_at=dt.datetime.fromisoformat(data["decided_at"]),
                            criteria=tuple(data.get("criteria") or ()), note=data.get("note"))
    return Application(submitted=ApplicationSubmitted.model_validate_json(row.document),
                       status=row.status, licence_number=row.licence_number, decision=decision)


def _decision(app: Application) -> str | None:
    if app.decision is None:
        return None
    return canonical_json({"criteria": list(app.decision.criteria), "note": app.decision.note,
                           "decided_at": app.decision.decided_at.isoformat()})


async def insert_application(session: AsyncSession, app: Application, *, key: str,
                             body_hash: str) -> None:
    """The row of a new application (the unique key and reference refuse a second one)."""
    submitted = app.submitted
    assert submitted is not None, "a new application's row holds what was submitted"
    await session.execute(insert(applications), {
        "id": submitted.id, "reference": submitted.reference, "idempotency_key": key,
        "body_hash": body_hash, "status": app.status, "licence_number": app.licence_number,
        "received_at": submitted.received_at,
        "document": canonical_json(submitted.model_dump(mode="json")),
        "decision": _decision(app), "version": 1})


async def load_application(session: AsyncSession, app_id: str) -> Loaded[Application] | None:
    """An application and its row's version; None when there is none."""
    row = (await session.execute(
        select(applications).where(applications.c.id == app_id))).first()
    return None if row is None else Loaded(application_of(row), row.version)


async def save_application(session: AsyncSession, app_id: str, app: Application, *,
                           version: int) -> None:
    """Write an application's new state over the version it was decided on."""
    done = await session.execute(
        update(applications)
        .where(applications.c.id == app_id, applications.c.version == version)
        .values(status=app.status, licence_number=app.licence_number,
                decision=_decision(app), version=version + 1))
    if _changed(done) != 1:
        raise VersionConflict(f"application {app_id} changed meanwhile; read it again")


# -- licences ----------------------------------------------------------------------------------


def licence_of(row: Row[Any]) -> Licence:
    """The licence a row holds."""
    return Licence(
        number=row.licence_number, application_id=row.application_id, regime=row.regime,
        destinations=tuple(json.loads(row.destinations)),
        destination_group=row.destination_group, value_eur=Decimal(row.value_eur),
        valid_from=row.valid_from, valid_until=row.valid_until,
        used_eur=Decimal(row.used_eur), revoked_on=row.revoked_on,
        suspensions=tuple(Suspension(dt.date.fromisoformat(start),
                                     dt.date.fromisoformat(end) if end else None)
                          for start, end in json.loads(row.suspensions)),
        superseded_by=row.superseded_by, superseded_on=row.superseded_on,
        terms=json.loads(row.document))


def _licence_values(licence: Licence) -> dict[str, Any]:
    return {
        "application_id": licence.application_id, "regime": licence.regime,
        "destinations": json.dumps(list(licence.destinations)),
        "destination_group": licence.destination_group,
        "value_eur": money_text(licence.value_eur), "used_eur": money_text(licence.used_eur),
        "valid_from": licence.valid_from, "valid_until": licence.valid_until,
        "status": licence.standing, "revoked_on": licence.revoked_on,
        "superseded_by": licence.superseded_by, "superseded_on": licence.superseded_on,
        "suspensions": json.dumps([[s.start.isoformat(), s.end.isoformat() if s.end else None]
                                   for s in licence.suspensions]),
        "document": canonical_json(dict(licence.terms)),
    }


async def licence_known(session: AsyncSession, number: str) -> bool:
    """Whether intake knows a licence of this number."""
    row = (await session.execute(select(licences.c.licence_number).where(
        licences.c.licence_number == number))).first()
    return row is not None


async def load_licence(session: AsyncSession, number: str) -> Loaded[Licence] | None:
    """A licence and its row's version; None when intake has not seen it issued."""
    row = (await session.execute(
        select(licences).where(licences.c.licence_number == number))).first()
    return None if row is None else Loaded(licence_of(row), row.version)


async def insert_licence(session: AsyncSession, licence: Licence) -> None:
    """The row of a licence just issued."""
    await session.execute(insert(licences).values(
        licence_number=licence.number, **_licence_values(licence), version=1))


async def save_licence(session: AsyncSession, licence: Licence, *, version: int) -> None:
    """Write a licence's new state over the version it was judged on.

    A shipment judged on a licence whose used value or standing moved meanwhile is judged
    again: two shipments cannot both fit under the value left.
    """
    done = await session.execute(
        update(licences)
        .where(licences.c.licence_number == licence.number, licences.c.version == version)
        .values(**_licence_values(licence), version=version + 1))
    if _changed(done) != 1:
        raise VersionConflict(f"licence {licence.number} changed meanwhile")


# -- shipments ---------------------------------------------------------------------------------


async def shipment_row(session: AsyncSession, declaration_ref: str) -> Row[Any] | None:
    """The shipment recorded or refused under this declaration, if any."""
    return (await session.execute(select(shipments_table).where(
        shipments_table.c.declaration_ref == declaration_ref))).first()


def shipment_of(row: Row[Any]) -> ShipmentRecorded | ShipmentRefused:
    """The event a shipment row was written from."""
    if row.outcome == "refused":
        return ShipmentRefused.model_validate_json(row.document)
    return ShipmentRecorded.model_validate_json(row.document)


async def write_shipment(session: AsyncSession, event: ShipmentRecorded | ShipmentRefused, *,
                         body_hash: str, replacing: str | None) -> None:
    """The row of a shipment recorded or refused; `replacing` is the body hash of an earlier
    refusal of the same declaration, which the new judgement takes the place of."""
    outcome = "refused" if isinstance(event, ShipmentRefused) else "recorded"
    values = {"licence_number": event.licence_number, "body_hash": body_hash,
              "outcome": outcome,
              "document": canonical_json({**event.model_dump(mode="json"), "outcome": outcome})}
    if replacing is None:
        await session.execute(insert(shipments_table).values(
            declaration_ref=event.declaration_ref, **values))
    else:
        await session.execute(update(shipments_table).where(
            shipments_table.c.declaration_ref == event.declaration_ref,
            shipments_table.c.body_hash == replacing).values(**values))


# -- realisations ------------------------------------------------------------------------------


def realisation_with_key(key: str) -> Select[Any]:
    """The realisation recorded under this idempotency key."""
    return select(realisations).where(realisations.c.idempotency_key == key)


def realisation_document(event: RealisationReported) -> dict[str, Any]:
    """A realisation as customs reads it: its flags' sentences, and their codes beside them."""
    data = event.model_dump(mode="json", exclude={"used_on", "origin"})
    return {**data, "flags": [flag.text for flag in event.flags],
            "flag_codes": [flag.code for flag in event.flags]}


async def insert_realisation(session: AsyncSession, event: RealisationReported, *, key: str,
                             body_hash: str) -> None:
    """The row of a realisation (the unique key refuses a second one)."""
    await session.execute(insert(realisations).values(
        id=event.id, idempotency_key=key, body_hash=body_hash, code=event.code,
        document=canonical_json(realisation_document(event))))


async def realisation(session: AsyncSession, rid: str) -> dict[str, Any] | None:
    """One realisation as recorded, or None."""
    row = (await session.execute(
        select(realisations.c.document).where(realisations.c.id == rid))).first()
    return None if row is None else cast(dict[str, Any], json.loads(row.document))


# -- classification requests -------------------------------------------------------------------


def classification_with_key(key: str) -> Select[Any]:
    """The classification request recorded under this idempotency key."""
    return select(classification_requests).where(
        classification_requests.c.idempotency_key == key)


def classification_document(row: Row[Any]) -> dict[str, Any]:
    """A classification request as customs reads it, with its answer once given."""
    return {**json.loads(row.document), "status": row.status,
            "answer": json.loads(row.answer) if row.answer else None}


async def insert_classification(session: AsyncSession, event: ClassificationRequested, *,
                                key: str | None, body_hash: str) -> None:
    """The row of a pending classification request."""
    await session.execute(insert(classification_requests).values(
        id=event.id, idempotency_key=key, body_hash=body_hash, status="pending",
        document=canonical_json(event.model_dump(mode="json"))))


async def answer_classification(session: AsyncSession, rid: str, answer: dict[str, Any]
                                ) -> None:
    """Record the answer to a classification request."""
    await session.execute(update(classification_requests).where(
        classification_requests.c.id == rid).values(status="answered",
                                                    answer=canonical_json(answer)))


async def classification(session: AsyncSession, rid: str) -> dict[str, Any] | None:
    """One classification request with its answer once given, or None."""
    row = (await session.execute(select(classification_requests).where(
        classification_requests.c.id == rid))).first()
    return None if row is None else classification_document(row)


def _changed(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount
