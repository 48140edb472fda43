"""Match dismissals: recording one on a case, and following those ruled in the denials registry.

An assessor may rule a match not essentially identical in assessment (the case's endpoint) or
directly in the denials registry. Either way the case records `MatchDismissed` once per denial:
approval no longer waits for that match, and screenings naming the case leave it out.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import events as ev
from services.assessment.db import cases
from services.assessment.handlers.base import Context, LoadedCase, load_case, save_case
from shared.consumer import RetryLater
from shared.envelope import Actor, Envelope
from shared.eventstore import ConcurrencyConflict, NewEvent

log = logging.getLogger(__name__)


def is_dismissed(case: LoadedCase, denial_id: str) -> bool:
    """Whether the case already holds a ruling on this denial."""
    return any(d["denial_id"] == denial_id for d in case.doc["dismissals"])


async def record_dismissal(
    ctx: Context, session: AsyncSession, case: LoadedCase, *, denial_id: str, reason: str,
    state: str | None, actor: Actor, occurred_at: dt.datetime | None = None,
    correlation_id: str | None = None, causation_id: str | None = None,
    via: str | None = None,
) -> None:
    """Append MatchDismissed to the case and keep the ruling, in the caller's transaction."""
    # The denials service mirrors the ruling from this event: it names the case by the
    # reference its screenings carry, so the pair is not raised again there either.
    payload = {"denial_id": denial_id, "reason": reason, "application_id": case.id,
               "application_ref": case.reference, "state": state}
    recorded = await ctx.runtime.store.append(
        session, case.id, [NewEvent(ev.MATCH_DISMISSED, payload, occurred_at=occurred_at)],
        actor=actor, correlation_id=correlation_id, causation_id=causation_id,
        expected_version=case.version)
    ruling: dict[str, Any] = {"denial_id": denial_id, "reason": reason, "by": actor.sub,
                              "recorded_at": recorded[0].recorded_at.isoformat()}
    if via:
        ruling["via"] = via
    case.doc["dismissals"].append(ruling)
    await save_case(session, case, version=recorded[-1].stream_version)


async def dismissed_in_registry(ctx: Context, session: AsyncSession, env: Envelope) -> None:
    """Follow a match the denials registry recorded as dismissed (inside the consumer).

    Skipped: the registry's mirror of a dismissal made here (caused by one of this service's
    events), a case already holding a ruling on the denial, a case decided or withdrawn, and
    a case this service does not know (its screening, if it ever runs, names the case's
    reference, so the registry leaves the pair out by itself). A denial that is not among the
    case's matches is still recorded, so approval never waits for it.
    """
    p = env.payload
    denial_id = str(p.get("denial_id") or env.stream_id)
    if env.causation_id and await _own_event(ctx, session, env.causation_id):
        log.debug("dismissal of denial %s mirrors assessment's event %s (event %s, "
                  "correlation %s)", denial_id, env.causation_id, env.event_id,
                  env.correlation_id)
        return
    case_id = await _case_named(session, application_id=p.get("application_id"),
                                application_ref=p.get("application_ref"))
    if case_id is None:
        log.info("dismissal of denial %s names no known case (application %s, reference %s); "
                 "ignored (event %s, correlation %s)", denial_id, p.get("application_id"),
                 p.get("application_ref"), env.event_id, env.correlation_id)
        return
    case = await load_case(session, case_id)
    if is_dismissed(case, denial_id):
        log.info("match of denial %s on case %s was dismissed already (event %s, "
                 "correlation %s)", denial_id, case.id, env.event_id, env.correlation_id)
        return
    if case.status != "open":
        log.info("dismissal of denial %s in the registry ignored: case %s is %s (event %s, "
                 "correlation %s)", denial_id, case.id, case.status, env.event_id,
                 env.correlation_id)
        return
    matched = {m["denial_id"]: m for m in case.doc["screening"]["denial_matches"]}
    state = p.get("state") or (matched.get(denial_id) or {}).get("state")
    try:
        await record_dismissal(
            ctx, session, case, denial_id=denial_id, reason=str(p.get("reason") or ""),
            state=state, actor=env.actor, occurred_at=env.occurred_at,
            correlation_id=env.correlation_id, causation_id=env.event_id, via="denials")
    except ConcurrencyConflict as exc:
        raise RetryLater(str(exc)) from exc
    log.info("match of denial %s on case %s dismissed in the registry by %s%s (event %s, "
             "correlation %s)", denial_id, case.id, env.actor.sub,
             "" if denial_id in matched else " (not among the case's matches)",
             env.event_id, env.correlation_id)


async def _own_event(ctx: Context, session: AsyncSession, event_id: str) -> bool:
    events = ctx.runtime.store.events
    found = await session.execute(select(events.c.event_id).where(events.c.event_id == event_id))
    return found.first() is not None


async def _case_named(session: AsyncSession, *, application_id: Any,
                      application_ref: Any) -> str | None:
    """The case of an application id, else of a reference (unique per application)."""
    if application_id:
        found = (await session.execute(select(cases.c.id).where(
            cases.c.id == str(application_id)))).scalar()
        if found is not None:
            return str(found)
    if application_ref:
        found = (await session.execute(select(cases.c.id).where(
            cases.c.reference == str(application_ref)).order_by(cases.c.opened_at)
            .limit(1))).scalar()
        if found is not None:
            return str(found)
    return None


__all__ = ["dismissed_in_registry", "is_dismissed", "record_dismissal"]
