"""Handlers of a case's life: opening, findings, dismissals (here and in the registry),
decision (with the licence an approval issues), withdrawal."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.domain import case_commands as rules
from services.assessment.domain import licence as licence_rules
from services.assessment.handlers import catch_all, db, streams
from services.assessment.handlers.context import Context
from shared.aggregate import check_version
from shared.auth import Principal
from shared.clock import business_date, utcnow
from shared.consumer import RetryLater
from shared.contracts import Event, Payload
from shared.contracts import denials as denials_events
from shared.contracts.assessment import CaseApplication
from shared.contracts.intake import ApplicationSubmitted, ApplicationWithdrawn
from shared.envelope import SYSTEM
from shared.errors import VersionConflict

log = logging.getLogger(__name__)


async def open_case(ctx: Context, session: AsyncSession,
                    event: Event[ApplicationSubmitted]) -> None:
    """Open, route and locally screen a case for a submitted application (once)."""
    app = CaseApplication.model_validate(event.payload.model_dump())
    loaded = await streams.load(ctx, session, app.id)
    if loaded.state.case.status != "new":
        return
    amends = await db.amended_licence(session, app.amends)
    requirements = await catch_all.covering(ctx, session, app)
    env = event.envelope
    after = await streams.record(
        ctx, session, app.id, loaded,
        rules.open_case(loaded.state.case, app, ctx.ref, amends, policies=ctx.policies,
                        sanctions=ctx.sanctions, requirements=requirements),
        actor=SYSTEM, occurred_at=env.occurred_at, correlation_id=env.correlation_id,
        causation_id=env.event_id)
    routing = after.state.case.routing
    log.info("case %s opened in queue %s by rule %s (event %s, correlation %s)", app.id,
             after.state.case.queue, routing.rule if routing else None, env.event_id,
             env.correlation_id)


async def withdraw(ctx: Context, session: AsyncSession,
                   event: Event[ApplicationWithdrawn]) -> None:
    """Close the open case of a withdrawn application; any other case is left as it is."""
    case_id = event.payload.application_id
    loaded = await streams.load(ctx, session, case_id)
    env = event.envelope
    await streams.record(ctx, session, case_id, loaded,
                         rules.withdraw(loaded.state.case, reason=event.payload.reason),
                         actor=SYSTEM, occurred_at=env.occurred_at,
                         correlation_id=env.correlation_id, causation_id=env.event_id)


async def record_finding(ctx: Context, who: Principal, case_id: str, *, criterion: int,
                         finding: Literal["pass", "concern", "refusal_ground"],
                         note: str | None, if_match: int | None) -> None:
    """Record an assessor's finding on one of the eight criteria."""
    await streams.command(ctx, who, case_id, if_match, lambda d: rules.record_finding(
        d.case, roles=who.roles, criterion=criterion, finding=finding, note=note))


async def dismiss_match(ctx: Context, who: Principal, case_id: str, *, denial_id: str,
                        reason: str, if_match: int | None) -> None:
    """Dismiss a denial match as not essentially identical, with a reason."""
    await streams.command(ctx, who, case_id, if_match, lambda d: rules.dismiss_match(
        d.case, roles=who.roles, denial_id=denial_id, reason=reason))


async def dismiss_sanctions_hit(ctx: Context, who: Principal, case_id: str, *, entity_id: str,
                                reason: str, if_match: int | None) -> None:
    """Rule that a party's hit on the sanctions list is not the listed entity, with a reason."""
    await streams.command(ctx, who, case_id, if_match, lambda d: rules.dismiss_sanctions_hit(
        d.case, roles=who.roles, entity_id=entity_id, reason=reason))


async def refer(ctx: Context, who: Principal, case_id: str, *, reason: str,
                if_match: int | None) -> None:
    """The CDIU refers a case of its queue to the MFA."""
    await streams.command(ctx, who, case_id, if_match, lambda d: rules.refer(
        d.case, roles=who.roles, reason=reason))


async def record_advice(ctx: Context, who: Principal, case_id: str, *,
                        position: Literal["positive", "negative"], criteria: Sequence[int],
                        grounds: Sequence[str], note: str | None, if_match: int | None) -> None:
    """Record the MFA's foreign-policy advice on a case."""
    await streams.command(ctx, who, case_id, if_match, lambda d: rules.record_advice(
        d.case, position=position, criteria=criteria, grounds=grounds, note=note,
        catalogue=ctx.grounds))


async def dismissed_in_registry(ctx: Context, session: AsyncSession,
                                event: Event[denials_events.MatchDismissed]) -> None:
    """Record on its case a match the denials registry recorded as dismissed, once.

    Skipped: the registry's mirror of a dismissal made here (caused by one of this service's
    events), a case already holding a ruling on the denial, a case decided or withdrawn, and
    a case this service does not know (its screening, if it ever runs, names the case's
    reference, so the registry leaves the pair out by itself).
    """
    p, env = event.payload, event.envelope
    ids = f"event {env.event_id}, correlation {env.correlation_id}"
    if env.causation_id and await db.recorded_here(session, ctx.runtime.store, env.causation_id):
        log.debug("dismissal of denial %s mirrors assessment's event %s (%s)", p.denial_id,
                  env.causation_id, ids)
        return
    case_id = await db.case_named(session, application_id=p.application_id,
                                  application_ref=p.application_ref)
    if case_id is None:
        log.info("dismissal of denial %s names no known case (application %s, reference %s); "
                 "ignored (%s)", p.denial_id, p.application_id, p.application_ref, ids)
        return
    loaded = await streams.load(ctx, session, case_id)
    ignored = rules.registry_dismissal_ignored(loaded.state.case, p.denial_id)
    if ignored is not None:
        log.info("dismissal of denial %s in the registry not recorded on case %s: %s (%s)",
                 p.denial_id, case_id, ignored, ids)
        return
    new = rules.follow_registry_dismissal(loaded.state.case, denial_id=p.denial_id,
                                          reason=p.reason, state=p.state)
    try:
        await streams.record(ctx, session, case_id, loaded, new, actor=env.actor,
                             occurred_at=env.occurred_at, correlation_id=env.correlation_id,
                             causation_id=env.event_id)
    except VersionConflict as exc:
        raise RetryLater(str(exc)) from exc
    log.info("match of denial %s on case %s dismissed in the registry by %s (%s)", p.denial_id,
             case_id, env.actor.sub, ids)


async def decide(ctx: Context, who: Principal, case_id: str, *,
                 outcome: Literal["approve", "deny"], criteria: Sequence[int],
                 grounds: Sequence[str] = (), note: str | None, decided_at: dt.datetime | None,
                 if_match: int | None) -> None:
    """Approve or deny a case; an approved licence application issues its licence."""
    now = utcnow()
    decided_at = decided_at or now
    async with ctx.runtime.transaction() as session:
        loaded = await streams.load_case(ctx, session, case_id)
        check_version(loaded, if_match, "case")
        case = loaded.state.case
        [decided] = rules.decide(
            case, roles=who.roles, outcome=outcome, criteria=criteria, note=note,
            decided_at=decided_at, now=now, grounds=grounds, catalogue=ctx.grounds,
            consultations=await db.consultations_of(session, case.reference))
        new: list[Payload] = [decided]
        if licence_rules.issues_licence(case, decided):
            app = case.application
            prefix = licence_rules.licence_prefix(app.regime, business_date(decided_at).year)
            number = licence_rules.licence_number(prefix,
                                                  await db.next_sequence(session, prefix))
            years = licence_rules.validity_years(ctx.settings.licence_validity_years,
                                                 app.regime, app.licence_type)
            new += licence_rules.issue(case, decided, number=number, years=years, ref=ctx.ref,
                                       fast_track=ctx.fast_track, policies=ctx.policies)
        after = await streams.record(ctx, session, case_id, loaded, new, actor=who.as_actor(),
                                     occurred_at=decided_at)
    log.info("case %s %s by %s (event %s, correlation %s)", case_id, decided.outcome, who.sub,
             after.recorded[0].event_id, after.recorded[0].correlation_id)
