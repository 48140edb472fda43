"""Assessment's subscriptions: intake's events open and close cases and bring classification
requests; the denials registry's consultations and the match dismissals ruled there."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.handlers import cases, classification, consultations
from services.assessment.handlers.context import Context
from shared.consumer import ConsumerSpec
from shared.contracts import Event
from shared.contracts.denials import ConsultationClosed, ConsultationOpened, MatchDismissed
from shared.contracts.intake import (
    ApplicationSubmitted,
    ApplicationWithdrawn,
    ClassificationRequested,
)


def intake_consumer(ctx: Context, after_commit: Callable[[], None]) -> ConsumerSpec:
    """The durable consumer of intake's events."""

    async def submitted(session: AsyncSession, event: Event[ApplicationSubmitted]) -> None:
        await cases.open_case(ctx, session, event)

    async def withdrawn(session: AsyncSession, event: Event[ApplicationWithdrawn]) -> None:
        await cases.withdraw(ctx, session, event)

    return ConsumerSpec(
        name="assessment", subjects=["lic.intake.>"],
        handlers={ApplicationSubmitted: submitted, ApplicationWithdrawn: withdrawn,
                  ClassificationRequested: classification.request_received},
        after_commit=after_commit)


def denials_consumer(ctx: Context, after_commit: Callable[[], None]) -> ConsumerSpec:
    """The durable consumer of the denials registry's consultations and dismissals."""

    async def dismissed(session: AsyncSession, event: Event[MatchDismissed]) -> None:
        await cases.dismissed_in_registry(ctx, session, event)

    return ConsumerSpec(
        name="assessment-denials", subjects=["lic.denials.>"],
        handlers={ConsultationOpened: consultations.opened,
                  ConsultationClosed: consultations.closed, MatchDismissed: dismissed},
        after_commit=after_commit)
