"""Intake's subscription to assessment: case status, decisions, licences and answers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.handlers import applications, catch_all, classifications, licences
from shared.consumer import ConsumerSpec
from shared.contracts import Event
from shared.contracts.assessment import (
    CaseDecided,
    CaseOpened,
    CaseRouted,
    CatchAllRequirementImposed,
    CatchAllRequirementLifted,
    ClassificationAnswered,
    LicenceIssued,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSuspended,
)


async def on_case_opened(session: AsyncSession, event: Event[CaseOpened]) -> None:
    """A case exists: the application is under assessment."""
    await applications.follow_assessment(session, event.payload.application_id, event)


async def on_case_routed(session: AsyncSession, event: Event[CaseRouted]) -> None:
    """A case was routed (its stream is the application's): it is under assessment."""
    await applications.follow_assessment(session, event.stream_id, event)


async def on_case_decided(session: AsyncSession, event: Event[CaseDecided]) -> None:
    """The case was decided: approved or denied, with the criteria of a denial."""
    await applications.follow_assessment(session, event.payload.application_id, event)


async def on_licence_issued(session: AsyncSession, event: Event[LicenceIssued]) -> None:
    """A licence was issued: intake accepts shipments under it; its application is approved."""
    await licences.record_issue(session, event)
    await applications.follow_assessment(session, event.payload.application_id, event)


async def on_licence_changed(
    session: AsyncSession,
    event: Event[LicenceSuspended] | Event[LicenceReinstated] | Event[LicenceRevoked],
) -> None:
    """A suspension, reinstatement or revocation of a licence."""
    await licences.change_standing(session, event)


async def on_catch_all_imposed(session: AsyncSession,
                               event: Event[CatchAllRequirementImposed]) -> None:
    """A catch-all requirement on an exporter: its uses and shipments are checked against it."""
    await catch_all.record_imposed(session, event)


async def on_catch_all_lifted(session: AsyncSession,
                              event: Event[CatchAllRequirementLifted]) -> None:
    """A catch-all requirement lifted."""
    await catch_all.record_lifted(session, event)


async def on_classification_answered(session: AsyncSession,
                                     event: Event[ClassificationAnswered]) -> None:
    """Specialists answered a classification request."""
    await classifications.record_answer(session, event)


def consumer_spec() -> ConsumerSpec:
    """The durable consumer of assessment's events."""
    return ConsumerSpec(
        name="intake",
        subjects=["lic.assessment.>"],
        handlers={
            CaseOpened: on_case_opened,
            CaseRouted: on_case_routed,
            CaseDecided: on_case_decided,
            LicenceIssued: on_licence_issued,
            LicenceSuspended: on_licence_changed,
            LicenceReinstated: on_licence_changed,
            LicenceRevoked: on_licence_changed,
            ClassificationAnswered: on_classification_answered,
            CatchAllRequirementImposed: on_catch_all_imposed,
            CatchAllRequirementLifted: on_catch_all_lifted,
        },
    )
