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

from services.intake.db import (
    applications,
    catch_all_requirements,
    classification_requests,
    licences,
    realisations,
    registrations,
)
from services.intake.db import shipments as shipments_table
from services.intake.domain.application import Application, Decision
from services.intake.domain.catch_all import Requirement
from services.intake.domain.licences import Licence, Suspension
from services.intake.domain.registrations import Registration
from shared.aggregate import Loaded
from shared.contracts.intake import (
    ApplicationSubmitted,
    ClassificationRequested,
    RealisationReported,
    ShipmentRecorded,
    ShipmentRefused,
)
from shared.contracts.types import Company, money_text
from shared.envelope import canonical_json
from shared.errors import VersionConflict
from shared.personal.vault import Vault

# -- applications ------------------------------------------------------------------------------


def holding(key: str, reference: str) -> Select[Any]:
    """The applications holding this idempotency key or this reference."""
    return select(applications).where(
        or_(applications.c.idempotency_key == key, applications.c.reference == reference))


def application_of(row: Row[Any], document: dict[str, Any] | None = None) -> Application:
    """The application a row holds; `document` is its document with the personal fields opened
    (`opened_document`), else they read as erased."""
    decision = None
    if row.decision:
        data = json.loads(row.decision)
        decision = Decision(decided_at=dt.datetime.fromisoformat(data["decided_at"]),
                            criteria=tuple(data.get("criteria") or ()), note=data.get("note"))
    submitted = (ApplicationSubmitted.model_validate(document) if document is not None
                 else ApplicationSubmitted.model_validate_json(row.document))
    return Application(submitted=submitted,
                       status=row.status, licence_number=row.licence_number, decision=decision)


def _decision(app: Application) -> str | None:
    if app.decision is None:
        return None
    return canonical_json({"criteria": list(app.decision.criteria), "note": app.decision.note,
                           "decided_at": app.decision.decided_at.isoformat()})


async def opened_document(vault: Vault, row: Row[Any]) -> dict[str, Any]:
    """An application row's document with its personal fields opened (or erased)."""
    [document] = await vault.open_payloads([(vault.source, json.loads(row.document))],
                                           fetch=False)
    return cast(dict[str, Any], document)


async def insert_application(session: AsyncSession, app: Application, *, key: str,
                             body_hash: str, vault: Vault) -> None:
    """The row of a new application (the unique key and reference refuse a second one), its
    personal fields sealed as in the event (a copy of the row outlives no erasure)."""
    submitted = app.submitted
    assert submitted is not None, "a new application's row holds what was submitted"
    document = await vault.seal(ApplicationSubmitted, submitted.model_dump(mode="json"))
    await session.execute(insert(applications), {
        "id": submitted.id, "reference": submitted.reference, "idempotency_key": key,
        "body_hash": body_hash, "status": app.status, "licence_number": app.licence_number,
        "received_at": submitted.received_at,
        "document": canonical_json(document), "decision": _decision(app), "version": 1})


async def load_application(session: AsyncSession, app_id: str, *, vault: Vault | None = None
                           ) -> Loaded[Application] | None:
    """An application and its row's version; None when there is none. With `vault` its
    personal fields are opened (to show it); without, they read as erased."""
    row = (await session.execute(
        select(applications).where(applications.c.id == app_id))).first()
    if row is None:
        return None
    document = await opened_document(vault, row) if vault is not None else None
    return Loaded(application_of(row, document), row.version)


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
        terms=json.loads(row.document), exporter_eori=row.exporter_eori)


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
        "exporter_eori": licence.exporter_eori,
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
    data = event.model_dump(mode="json")
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


# -- registrations for general licences -------------------------------------------------------


def registration_of(row: Row[Any]) -> Registration:
    """The registration a row holds."""
    return Registration(id=row.id, code=row.code,
                        exporter=Company(name=row.exporter_name, eori=row.exporter_eori),
                        registered_on=row.registered_on, ended_on=row.ended_on,
                        end_reason=row.end_reason)


async def registrations_of(session: AsyncSession, *, code: str, eori: str
                           ) -> list[Registration]:
    """An exporter's registrations for one general licence."""
    rows = await session.execute(select(registrations).where(
        registrations.c.code == code, registrations.c.exporter_eori == eori))
    return [registration_of(row) for row in rows]


async def write_registration(session: AsyncSession, registration: Registration, *, new: bool
                             ) -> None:
    """The row of a registration as its stream now folds (the running one is unique)."""
    exporter = registration.exporter
    assert registration.id is not None and exporter is not None
    values = {"code": registration.code, "exporter_eori": exporter.eori,
              "exporter_name": exporter.name, "registered_on": registration.registered_on,
              "ended_on": registration.ended_on, "end_reason": registration.end_reason}
    if new:
        await session.execute(insert(registrations).values(id=registration.id, **values))
    else:
        await session.execute(update(registrations).where(
            registrations.c.id == registration.id).values(**values))


# -- catch-all requirements --------------------------------------------------------------------


def _requirement_of(row: Row[Any]) -> Requirement:
    return Requirement(id=row.id, exporter_eori=row.exporter_eori, destination=row.destination,
                       ground=row.ground, imposed_on=row.imposed_on, lifted_on=row.lifted_on)


async def requirements_on(session: AsyncSession, eori: str) -> list[Requirement]:
    """The catch-all requirements ever imposed on an exporter."""
    rows = await session.execute(select(catch_all_requirements).where(
        catch_all_requirements.c.exporter_eori == eori))
    return [_requirement_of(row) for row in rows]


async def load_requirement(session: AsyncSession, rid: str) -> Requirement | None:
    """One catch-all requirement, or None when intake has not seen it imposed."""
    row = (await session.execute(select(catch_all_requirements).where(
        catch_all_requirements.c.id == rid))).first()
    return None if row is None else _requirement_of(row)


async def write_requirement(session: AsyncSession, requirement: Requirement, *, new: bool
                            ) -> None:
    """The row of a catch-all requirement as its events fold."""
    values = {"exporter_eori": requirement.exporter_eori,
              "destination": requirement.destination, "ground": requirement.ground,
              "imposed_on": requirement.imposed_on, "lifted_on": requirement.lifted_on}
    if new:
        await session.execute(insert(catch_all_requirements).values(id=requirement.id,
                                                                    **values))
    else:
        await session.execute(update(catch_all_requirements).where(
            catch_all_requirements.c.id == requirement.id).values(**values))


def _changed(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount
