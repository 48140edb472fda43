"""Handlers of the denials registry's consultations: the ones the Netherlands opened on a case
hold its approval until they have an outcome."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.handlers import db
from shared.contracts import Event
from shared.contracts.denials import ConsultationClosed, ConsultationOpened


async def opened(session: AsyncSession, event: Event[ConsultationOpened]) -> None:
    """Follow a consultation the denials service opened."""
    p = event.payload
    await db.keep_consultation(session, p.id, {
        "denial_id": p.denial_id, "application_ref": p.application_ref,
        "consulting_state": p.consulting_state, "denying_state": p.denying_state,
        "opened_at": p.opened_at})


async def closed(session: AsyncSession, event: Event[ConsultationClosed]) -> None:
    """Note the outcome of a consultation."""
    p = event.payload
    await db.keep_consultation(session, p.id, {
        "denial_id": p.denial_id, "application_ref": p.application_ref,
        "consulting_state": p.consulting_state, "denying_state": p.denying_state,
        "status": "closed", "decision": p.decision})
