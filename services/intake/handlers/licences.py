"""Licences as assessment issues and changes them: intake keeps each one's cover, validity,
standing and the value its shipments used."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.licences import Licence, evolve, issue
from services.intake.handlers import db
from shared.clock import business_date
from shared.consumer import RetryLater
from shared.contracts import Event
from shared.contracts.assessment import (
    LicenceIssued,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSuspended,
)
from shared.errors import NotFound, VersionConflict


async def record_issue(session: AsyncSession, event: Event[LicenceIssued]) -> None:
    """A licence issued: shipments may go under it; one it amends is superseded by it."""
    issued = event.payload
    if await db.licence_known(session, issued.licence_number):
        return  # issued before
    amended = (await db.load_licence(session, issued.amends.licence_number)
               if issued.amends is not None else None)
    if amended is not None:
        on = business_date(event.envelope.occurred_at)
        await _save(session, evolve(amended.state, issued, on=on), version=amended.version)
    await db.insert_licence(session, issue(
        issued, taken_over=amended.state if amended is not None else None))


async def change_standing(
    session: AsyncSession,
    event: Event[LicenceSuspended] | Event[LicenceReinstated] | Event[LicenceRevoked],
) -> None:
    """A suspension, reinstatement or revocation, from the business day of its event on."""
    number = event.payload.licence_number
    loaded = await db.load_licence(session, number)
    if loaded is None:
        raise NotFound(f"{event.envelope.type} for licence {number}, which intake has not "
                       "seen issued")
    licence = evolve(loaded.state, event.payload, on=business_date(event.envelope.occurred_at))
    if licence != loaded.state:
        await _save(session, licence, version=loaded.version)


async def _save(session: AsyncSession, licence: Licence, *, version: int) -> None:
    try:
        await db.save_licence(session, licence, version=version)
    except VersionConflict as exc:
        # A shipment changed it in the meantime: handle the event again on the new state.
        raise RetryLater(str(exc)) from exc
