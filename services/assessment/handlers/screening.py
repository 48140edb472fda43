"""Handlers of a case's screening against the denials registry: what a pending screening
asks, its result (completed or failed for good), and an assessor's re-run of a failed one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.assessment.domain import case_commands as rules
from services.assessment.handlers import streams
from services.assessment.handlers.context import Context
from shared.auth import Principal
from shared.contracts.assessment import (
    CaseApplication,
    DenialMatch,
    SanctionedPartyHit,
    ScreeningPending,
)
from shared.envelope import SYSTEM


@dataclass(frozen=True)
class PendingScreening:
    """A case waiting for the registry: its application, and the event that asked for it."""

    case_id: str
    application: CaseApplication
    event_id: str
    correlation_id: str


async def pending(ctx: Context, case_id: str) -> PendingScreening | None:
    """What the screening of a case asks, if it is pending on an open case."""
    async with ctx.runtime.sessions() as session:
        envelopes, loaded = await streams.read(ctx, session, case_id)
    case = loaded.state.case
    if case.status != "open" or case.screening.status != "pending":
        return None
    asked = next(env for env in reversed(envelopes)
                 if env.type == ScreeningPending.event_type)
    return PendingScreening(case_id=case_id, application=case.application,
                            event_id=asked.event_id, correlation_id=asked.correlation_id)


async def complete(ctx: Context, asked: PendingScreening, *,
                   denial_matches: Sequence[DenialMatch], registry_version: str | None,
                   matcher_version: str | None = None,
                   sanctioned_parties: Sequence[SanctionedPartyHit] = (),
                   sanctions_list_version: str | None = None) -> bool:
    """Record a screening that ran (denial matches and sanctioned parties included); False if
    it was not pending."""
    async with ctx.runtime.transaction() as session:
        loaded = await streams.load_case(ctx, session, asked.case_id)
        done = await streams.record(
            ctx, session, asked.case_id, loaded,
            rules.complete_screening(loaded.state.case, denial_matches=denial_matches,
                                     registry_version=registry_version,
                                     matcher_version=matcher_version,
                                     reference_version=ctx.ref.version,
                                     sanctioned_parties=sanctioned_parties,
                                     sanctions_list_version=sanctions_list_version),
            actor=SYSTEM, correlation_id=asked.correlation_id, causation_id=asked.event_id)
    return bool(done.recorded)


async def fail(ctx: Context, asked: PendingScreening, *, status: int,
               problem: Mapping[str, Any], reason: str) -> bool:
    """Record that the registry refused the screening for good; False if it was not pending."""
    async with ctx.runtime.transaction() as session:
        loaded = await streams.load_case(ctx, session, asked.case_id)
        done = await streams.record(
            ctx, session, asked.case_id, loaded,
            rules.fail_screening(loaded.state.case, status=status, problem=problem,
                                 reason=reason, reference_version=ctx.ref.version),
            actor=SYSTEM, correlation_id=asked.correlation_id, causation_id=asked.event_id)
    return bool(done.recorded)


async def retry(ctx: Context, who: Principal, case_id: str, *, if_match: int | None) -> bool:
    """Put a failed screening back in the queue; True if that was recorded, False if pending."""
    done = await streams.command(ctx, who, case_id, if_match, lambda d: rules.retry_screening(
        d.case, by=who.sub, reference_version=ctx.ref.version))
    return bool(done.recorded)
