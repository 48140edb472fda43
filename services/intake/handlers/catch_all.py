"""Catch-all requirements as assessment imposes and lifts them, kept for intake's checks."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.catch_all import evolve, imposed
from services.intake.handlers import db
from shared.contracts import Event
from shared.contracts.assessment import CatchAllRequirementImposed, CatchAllRequirementLifted
from shared.errors import NotFound


async def record_imposed(session: AsyncSession, event: Event[CatchAllRequirementImposed]
                         ) -> None:
    """A requirement imposed: from its day on it covers the exporter's uses and shipments."""
    if await db.load_requirement(session, event.payload.id) is None:
        await db.write_requirement(session, imposed(event.payload), new=True)


async def record_lifted(session: AsyncSession, event: Event[CatchAllRequirementLifted]) -> None:
    """A requirement lifted: from its day on it covers nothing."""
    requirement = await db.load_requirement(session, event.payload.id)
    if requirement is None:
        raise NotFound(f"CatchAllRequirementLifted for {event.payload.id}, which intake has not "
                       "seen imposed")
    await db.write_requirement(session, evolve(requirement, event.payload), new=False)
