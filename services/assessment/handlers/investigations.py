"""Handlers of investigations: referring something flagged, recording the outcome (each
referral on its own stream)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.domain import investigation as rules
from services.assessment.domain.investigation import Investigation, Outcome
from services.assessment.handlers import db
from services.assessment.handlers.context import Context
from shared.aggregate import Aggregate, execute
from shared.auth import Principal
from shared.clock import today
from shared.envelope import Envelope

INVESTIGATION = Aggregate("investigation", Investigation(), rules.evolve)


async def _project(session: AsyncSession, state: Investigation,
                   _recorded: list[Envelope]) -> None:
    await db.save_investigation(session, state)


async def refer(ctx: Context, who: Principal, *,
                subject_kind: Literal["realisation", "shipment", "case"], subject_id: str,
                reason: str, referred_on: dt.date, authority: str | None) -> str:
    """Refer something flagged for investigation; the referral's id."""
    referral_id = f"inv-{uuid.uuid4()}"
    async with ctx.runtime.transaction() as session:
        await execute(session, ctx.runtime.store, INVESTIGATION, referral_id,
                      lambda _state: rules.refer(
                          referral_id, subject_kind=subject_kind, subject_id=subject_id,
                          reason=reason, referred_on=referred_on, authority=authority,
                          today=today()),
                      actor=who.as_actor(), project=_project)
    return referral_id


async def conclude(ctx: Context, who: Principal, referral_id: str, *, outcome: Outcome,
                   note: str | None, concluded_on: dt.date) -> None:
    """Record the outcome of an investigation."""
    async with ctx.runtime.transaction() as session:
        await execute(session, ctx.runtime.store, INVESTIGATION, referral_id,
                      lambda state: rules.conclude(state, referral_id, outcome=outcome,
                                                   note=note, concluded_on=concluded_on,
                                                   today=today()),
                      actor=who.as_actor(), project=_project)
