"""Denials' subscriptions: Dutch denials decided in assessment enter the registry as `NL`, and
matches an assessor dismissed on a case in assessment are ruled out here too; general-licence
realisations are screened against the sanctions list."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.denials.domain.validity import Policy
from services.denials.handlers import dutch, sanctions
from shared.consumer import ConsumerSpec
from shared.contracts import Event
from shared.contracts.assessment import CaseDecided, MatchDismissed
from shared.contracts.intake import ApplicationSubmitted, RealisationReported
from shared.service import Runtime


def consumer_spec(runtime: Runtime, policy: Policy) -> ConsumerSpec:
    """The durable consumer of intake's submissions and realisations and assessment's decisions
    and dismissals."""

    async def on_submitted(session: AsyncSession, event: Event[ApplicationSubmitted]) -> None:
        await dutch.keep_application(session, event, vault=runtime.vault)

    async def on_decided(session: AsyncSession, event: Event[CaseDecided]) -> None:
        await dutch.register_nl_denials(session, runtime.store, policy, event)

    async def on_dismissed(session: AsyncSession, event: Event[MatchDismissed]) -> None:
        await dutch.mirror_dismissal(session, runtime.store, policy, event)

    async def on_realisation(session: AsyncSession, event: Event[RealisationReported]) -> None:
        await sanctions.screen_realisation(session, runtime.store, event)

    return ConsumerSpec(
        name="denials",
        subjects=["lic.intake.>", "lic.assessment.>"],
        handlers={ApplicationSubmitted: on_submitted, CaseDecided: on_decided,
                  MatchDismissed: on_dismissed, RealisationReported: on_realisation},
    )
