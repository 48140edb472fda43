"""Assessment's subscriptions: intake's events open and close cases; denials' consultations
and the match dismissals ruled in the registry."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.handlers import Context, classification, dismissals
from services.assessment.handlers import cases as case_handlers
from shared.consumer import ConsumerSpec
from shared.envelope import Envelope


def intake_consumer(ctx: Context, after_commit: Callable[[], None]) -> ConsumerSpec:
    """The durable consumer of intake's events."""

    async def on_submitted(session: AsyncSession, env: Envelope) -> None:
        await case_handlers.open_case(ctx, session, env)

    async def on_withdrawn(session: AsyncSession, env: Envelope) -> None:
        await case_handlers.withdraw(ctx, session, env)

    return ConsumerSpec(
        name="assessment",
        subjects=["lic.intake.>"],
        handlers={"ApplicationSubmitted": on_submitted,
                  "ApplicationWithdrawn": on_withdrawn,
                  "ClassificationRequested": classification.request_received},
        after_commit=after_commit,
    )


def denials_consumer(ctx: Context, after_commit: Callable[[], None]) -> ConsumerSpec:
    """The durable consumer of the denials service's consultations and dismissals."""

    async def on_dismissed(session: AsyncSession, env: Envelope) -> None:
        await dismissals.dismissed_in_registry(ctx, session, env)

    return ConsumerSpec(
        name="assessment-denials",
        subjects=["lic.denials.>"],
        handlers={"ConsultationOpened": case_handlers.consultation_opened,
                  "ConsultationClosed": case_handlers.consultation_closed,
                  "MatchDismissed": on_dismissed},
        after_commit=after_commit,
    )
