"""Handlers of catch-all requirements: imposing and lifting one (each on its own stream), and
which of them cover an application opening a case."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.domain import catch_all as rules
from services.assessment.domain.catch_all import Requirement
from services.assessment.handlers import db
from services.assessment.handlers.context import Context
from shared.aggregate import Aggregate, execute, load
from shared.auth import Principal
from shared.clock import today
from shared.contracts.assessment import CaseApplication, CatchAllGround
from shared.contracts.types import Company
from shared.envelope import Envelope

REQUIREMENT = Aggregate("catch-all requirement", Requirement(), rules.evolve)


async def _project(session: AsyncSession, state: Requirement, _recorded: list[Envelope]) -> None:
    await db.save_requirement(session, state)


async def impose(ctx: Context, who: Principal, *, regime: Literal["dual_use", "military"],
                 exporter: Company, goods_description: str, destination: str | None,
                 end_user_name: str | None, ground: CatchAllGround, note: str | None,
                 imposed_on: dt.date) -> str:
    """Impose a catch-all requirement; its id."""
    requirement_id = f"ca-{uuid.uuid4()}"
    async with ctx.runtime.transaction() as session:
        await execute(session, ctx.runtime.store, REQUIREMENT, requirement_id,
                      lambda _state: rules.impose(
                          requirement_id, regime=regime, exporter=exporter,
                          goods_description=goods_description, destination=destination,
                          end_user_name=end_user_name, ground=ground, note=note,
                          imposed_on=imposed_on, today=today()),
                      actor=who.as_actor(), project=_project)
    return requirement_id


async def lift(ctx: Context, who: Principal, requirement_id: str, *, lifted_on: dt.date,
               reason: str) -> None:
    """Lift a catch-all requirement from a day on."""
    async with ctx.runtime.transaction() as session:
        await execute(session, ctx.runtime.store, REQUIREMENT, requirement_id,
                      lambda state: rules.lift(state, requirement_id, lifted_on=lifted_on,
                                               reason=reason),
                      actor=who.as_actor(), project=_project)


async def covering(ctx: Context, session: AsyncSession, app: CaseApplication) -> list[str]:
    """The requirements imposed on the application's exporter that cover it."""
    found = []
    for requirement_id in await db.requirements_on(session, app.applicant.eori):
        loaded = await load(session, ctx.runtime.store, REQUIREMENT, requirement_id)
        found.append((requirement_id, loaded.state))
    return rules.covering(found, app)
