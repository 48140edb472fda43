"""The SQL of assessment's handlers: read models written from the folded state, the licence
counters, and the few lookups a command needs (by reference, licence number, notification)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.db import (
    cases,
    catch_all_requirements,
    classification_requests,
    consultations,
    investigations,
    licence_counters,
    licences,
    parliament_letters,
    parliament_notifications,
)
from services.assessment.domain.case_commands import Consultation
from services.assessment.domain.catch_all import Requirement
from services.assessment.domain.dossier import Dossier
from services.assessment.domain.investigation import Investigation
from services.assessment.handlers.projection import (
    case_row,
    investigation_row,
    licence_row,
    notification_row,
    requirement_row,
)
from shared.clock import stored_utc
from shared.contracts.assessment import (
    AmendedLicence,
    Amendment,
    CaseApplication,
    CaseDecided,
    LicenceIssued,
    ParliamentLetterSent,
)
from shared.envelope import canonical_json
from shared.eventstore import EventStore
from shared.personal.vault import Vault

# -- read models written from the state ----------------------------------------------------------


async def _sealed(vault: Vault | None, document: str,
                  parts: Mapping[str | None, type[BaseModel]]) -> str:
    """A read model's document with the personal fields of each part (None: the whole
    document) sealed under its model, as in the events: a copy of the database outlives no
    erasure."""
    if vault is None:
        return document
    doc = json.loads(document)
    for part, model in parts.items():
        if part is None:
            doc = await vault.seal(model, doc)
        elif doc.get(part) is not None:
            doc[part] = await vault.seal(model, doc[part])
    return canonical_json(doc)


# The parts of a case's document that copy events with personal fields.
CASE_PARTS: dict[str | None, type[BaseModel]] = {"application": CaseApplication,
                                                 "decision": CaseDecided}


async def project(session: AsyncSession, before: Dossier, after: Dossier, version: int, *,
                  vault: Vault | None = None) -> None:
    """Write the read models of a stream whose state went from `before` to `after` (with
    `vault`, personal fields sealed)."""
    row = case_row(after.case, version)
    row["document"] = await _sealed(vault, row["document"], CASE_PARTS)
    if before.case.status == "new":
        await session.execute(insert(cases).values(**row))
    else:
        await session.execute(update(cases).where(cases.c.id == row["id"]).values(**row))
    licence = after.licence
    if licence.issued is not None and licence != before.licence:
        values = licence_row(licence)
        values["document"] = await _sealed(vault, values["document"], {None: LicenceIssued})
        if before.licence.issued is None:
            await session.execute(insert(licences).values(**values))
        else:
            await session.execute(update(licences).where(
                licences.c.licence_number == values["licence_number"]).values(**values))
    notice = licence.notification
    if notice is not None and notice != before.licence.notification:
        values = notification_row(after.case.id, notice)
        if before.licence.notification is None:
            await session.execute(insert(parliament_notifications).values(**values))
        else:
            await session.execute(update(parliament_notifications).where(
                parliament_notifications.c.id == values["id"]).values(**values))


async def _upsert(session: AsyncSession, table: Any, values: dict[str, Any]) -> None:
    """Update a row by its id, or insert it (a stream's first event)."""
    exists = (await session.execute(select(table.c.id).where(table.c.id == values["id"]))
              ).first()
    if exists is None:
        await session.execute(insert(table).values(**values))
    else:
        await session.execute(update(table).where(table.c.id == values["id"]).values(**values))


async def save_requirement(session: AsyncSession, requirement: Requirement) -> None:
    """Write a catch-all requirement's row from its state."""
    await _upsert(session, catch_all_requirements, requirement_row(requirement))


async def save_investigation(session: AsyncSession, investigation: Investigation) -> None:
    """Write an investigation's row from its state."""
    await _upsert(session, investigations, investigation_row(investigation))


async def save_letter(session: AsyncSession, letter: ParliamentLetterSent, *,
                      reported: list[str], recorded_at: dt.datetime) -> None:
    """Keep a letter to parliament, with the licences whose notices it sent."""
    await session.execute(insert(parliament_letters).values(
        id=letter.id, reference=letter.reference, sent_on=letter.sent_on,
        destination=letter.destination, document=canonical_json({
            **letter.model_dump(mode="json"), "reported": reported,
            "recorded_at": recorded_at.isoformat()})))


async def requirements_on(session: AsyncSession, eori: str) -> list[str]:
    """The catch-all requirements ever imposed on an exporter."""
    found = await session.execute(select(catch_all_requirements.c.id).where(
        catch_all_requirements.c.exporter_eori == eori).order_by(catch_all_requirements.c.id))
    return [str(r) for r in found.scalars()]


async def next_sequence(session: AsyncSession, prefix: str) -> int:
    """The next number of a licence prefix, from a counter row in the caller's transaction."""
    # One upsert: two processes issuing the first licence of a prefix at once (replicas) must
    # not both insert its row; the row lock then serialises concurrent approvals.
    upsert = (postgresql_insert if session.get_bind().dialect.name == "postgresql"
              else sqlite_insert)(licence_counters).values(prefix=prefix, last=1)
    result = await session.execute(upsert.on_conflict_do_update(
        index_elements=[licence_counters.c.prefix],
        set_={"last": licence_counters.c.last + 1}).returning(licence_counters.c.last))
    return int(result.scalar_one())


# -- lookups -------------------------------------------------------------------------------------


async def amended_licence(session: AsyncSession, amends: Amendment | None
                          ) -> AmendedLicence | None:
    """The licence an extension or replacement amends, as far as this service knows it."""
    if amends is None:
        return None
    row = (await session.execute(select(licences.c.application_id, licences.c.document)
                                 .where(licences.c.licence_number == amends.licence_number))
           ).first()
    if row is None:
        return AmendedLicence(licence_number=amends.licence_number, kind=amends.kind)
    old = json.loads(row.document)
    return AmendedLicence(licence_number=amends.licence_number, kind=amends.kind, known=True,
                          application_id=row.application_id,
                          previous_value_eur=Decimal(old["value_eur"]),
                          previous_valid_until=old["valid_until"])


async def licence_stream(session: AsyncSession, number: str) -> str | None:
    """The application (stream) a licence number was issued on."""
    found = await session.execute(select(licences.c.application_id)
                                  .where(licences.c.licence_number == number))
    return found.scalar()


async def notification_stream(session: AsyncSession, notification_id: str) -> str | None:
    """The application (stream) a notice to parliament is about."""
    found = await session.execute(select(parliament_notifications.c.application_id)
                                  .where(parliament_notifications.c.id == notification_id))
    return found.scalar()


async def case_named(session: AsyncSession, *, application_id: str | None,
                     application_ref: str | None) -> str | None:
    """The case of an application id, else of a reference (unique per application)."""
    if application_id:
        found = (await session.execute(select(cases.c.id).where(
            cases.c.id == application_id))).scalar()
        if found is not None:
            return str(found)
    if application_ref:
        found = (await session.execute(select(cases.c.id).where(
            cases.c.reference == application_ref).order_by(cases.c.opened_at)
            .limit(1))).scalar()
        if found is not None:
            return str(found)
    return None


async def recorded_here(session: AsyncSession, store: EventStore, event_id: str) -> bool:
    """Whether this service's store holds an event."""
    events = store.events
    found = await session.execute(select(events.c.event_id).where(events.c.event_id == event_id))
    return found.first() is not None


async def pending_cases(session: AsyncSession, limit: int) -> list[str]:
    """Open cases whose screening waits for the denials registry, oldest first."""
    rows = await session.execute(
        select(cases.c.id).where(cases.c.screening_status == "pending", cases.c.status == "open")
        .order_by(cases.c.opened_at).limit(limit))
    return [str(case_id) for case_id in rows.scalars()]


# -- consultations (the denials registry's, as far as they concern a Dutch case) -----------------


async def consultations_of(session: AsyncSession, reference: str) -> list[Consultation]:
    """Consultations the Netherlands opened on this application's reference."""
    rows = (await session.execute(
        select(consultations).where(consultations.c.application_ref == reference)
        .order_by(consultations.c.opened_at, consultations.c.id))).all()
    return [Consultation(id=r.id, denial_id=r.denial_id, status=r.status,
                         consulting_state=r.consulting_state, denying_state=r.denying_state,
                         decision=r.decision, opened_at=_utc(r.opened_at))
            for r in rows if r.consulting_state in (None, "NL")]


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else stored_utc(moment)


async def keep_consultation(session: AsyncSession, consultation_id: str,
                            values: dict[str, Any]) -> None:
    """Insert a consultation, or update the fields an event knows of one already kept."""
    row = (await session.execute(select(consultations.c.id).where(
        consultations.c.id == consultation_id))).first()
    # A closing event may lack fields the opening one had; keep what is known.
    known = {k: v for k, v in values.items() if v is not None}
    if row is None:
        await session.execute(insert(consultations).values(
            id=consultation_id, **{"status": "open", "denial_id": "", **known}))
        return
    await session.execute(update(consultations).where(consultations.c.id == consultation_id)
                          .values(**known))


# -- classification requests ---------------------------------------------------------------------


async def keep_request(session: AsyncSession, request_id: str, document: dict[str, Any],
                       requested_at: dt.datetime) -> None:
    """Keep an open classification request, once."""
    exists = (await session.execute(select(classification_requests.c.id).where(
        classification_requests.c.id == request_id))).first()
    if exists is None:
        await session.execute(insert(classification_requests).values(
            id=request_id, status="open", requested_at=requested_at,
            document=canonical_json(document)))


async def request(session: AsyncSession, request_id: str) -> tuple[str, dict[str, Any]] | None:
    """A classification request's status and document."""
    row = (await session.execute(select(classification_requests.c.status,
                                        classification_requests.c.document)
                                 .where(classification_requests.c.id == request_id))).first()
    return (str(row.status), json.loads(row.document)) if row is not None else None


async def answer_request(session: AsyncSession, request_id: str,
                         document: dict[str, Any]) -> None:
    """Mark a classification request answered, with its answer."""
    await session.execute(update(classification_requests)
                          .where(classification_requests.c.id == request_id)
                          .values(status="answered", document=canonical_json(document)))


