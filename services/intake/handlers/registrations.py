"""Registrations for general licences: each is a stream of its own, folded to decide, with its
row (for the lists and for judging realisations) written from the state the events made."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.registrations import (
    NEW,
    EndRegistration,
    RegisterExporter,
    Registration,
    decide_end,
    decide_register,
    evolve,
)
from services.intake.handlers import db
from services.intake.schemas import RegistrationEndIn, RegistrationIn
from shared.aggregate import Aggregate, execute
from shared.auth import Principal
from shared.clock import today
from shared.contracts.types import Company
from shared.envelope import Envelope
from shared.reference import ReferenceData
from shared.service import Runtime

REGISTRATION = Aggregate("registration", NEW, evolve)


async def register_exporter(runtime: Runtime, ref: ReferenceData, *, code: str,
                            body: RegistrationIn, who: Principal) -> Registration:
    """Register an exporter for a general licence; Conflict naming a registration running."""
    cmd = RegisterExporter(registration_id=str(uuid.uuid4()), code=code,
                           exporter=Company(name=body.exporter.name, eori=body.exporter.eori),
                           registered_on=body.registered_on)
    try:
        async with runtime.transaction() as session:
            others = await db.registrations_of(session, code=code, eori=cmd.exporter.eori)
            decided = await execute(
                session, runtime.store, REGISTRATION, cmd.registration_id,
                lambda registration: decide_register(registration, cmd, ref, others=others,
                                                     today=today()),
                actor=who.as_actor(), correlation_id=cmd.registration_id, project=_project)
    except IntegrityError:
        # A concurrent registration of the same exporter for the licence got in first.
        async with runtime.transaction() as session:
            others = await db.registrations_of(session, code=code, eori=cmd.exporter.eori)
        decide_register(NEW, cmd, ref, others=others, today=today())
        raise
    return decided.state


async def end_registration(runtime: Runtime, registration_id: str, *, body: RegistrationEndIn,
                           who: Principal) -> Registration:
    """End a registration; a repeat answers as the first."""
    cmd = EndRegistration(registration_id=registration_id, ended_on=body.ended_on,
                          reason=body.reason)
    async with runtime.transaction() as session:
        decided = await execute(session, runtime.store, REGISTRATION, registration_id,
                                lambda registration: decide_end(registration, cmd),
                                actor=who.as_actor(), correlation_id=registration_id,
                                project=_project)
    return decided.state


async def _project(session: AsyncSession, registration: Registration,
                   recorded: list[Envelope]) -> None:
    await db.write_registration(session, registration,
                                new=recorded[0].stream_version == 1)
