"""Dutch cases as intake and assessment record them: their applications kept, their denials
registered as `NL`, and the matches dismissed on them ruled out in the registry too. Each runs
in the consumer's transaction."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from services.denials.domain.denial import DismissMatch, dismiss, register
from services.denials.domain.dutch import NETHERLANDS, kept, nl_denials
from services.denials.domain.validity import Policy
from services.denials.handlers import db
from services.denials.handlers.registry import denial_aggregate
from shared.aggregate import execute
from shared.clock import noon
from shared.consumer import RetryLater
from shared.contracts import Event, assessment, intake
from shared.contracts.denials import DenialRegistered
from shared.envelope import SYSTEM
from shared.errors import VersionConflict
from shared.eventstore import EventStore
from shared.personal.vault import Vault

log = logging.getLogger(__name__)


async def keep_application(session: AsyncSession,
                           event: Event[intake.ApplicationSubmitted], *, vault: Vault) -> None:
    """Keep the few fields of a submitted application its denials would need (a private
    person's name sealed, as in the events)."""
    await db.keep_application(session, kept(event.payload), vault=vault)


async def register_nl_denials(session: AsyncSession, store: EventStore, policy: Policy,
                              event: Event[assessment.CaseDecided]) -> None:
    """A denied Dutch case enters the registry as `NL`, once per destination."""
    decided = event.payload
    if decided.outcome != "denied":
        return
    app = await db.application(session, decided.application_id, vault=store.vault)
    if app is None:
        # Intake's event comes first in the log; until it is here, try again later.
        raise RetryLater(f"application {decided.application_id} not seen yet")
    for notification in nl_denials(app, decided, policy=policy):
        await _register(session, store, policy, notification, event)


async def _register(session: AsyncSession, store: EventStore, policy: Policy,
                    notification: DenialRegistered, cause: Event[assessment.CaseDecided]) -> None:
    taken = await db.denial_holding(session, state=NETHERLANDS, reference=notification.reference,
                                    destination=notification.destination)
    done = await execute(session, store, denial_aggregate(policy), notification.id,
                         lambda denial: register(denial, notification, taken_by=taken),
                         actor=SYSTEM, occurred_at=noon(notification.denied_on),
                         correlation_id=cause.envelope.correlation_id,
                         causation_id=cause.event_id, project=db.projector(store))
    if done.recorded:
        log.info("registered NL denial %s for %s (event %s, correlation %s)", notification.id,
                 notification.destination, cause.event_id, cause.envelope.correlation_id)


async def mirror_dismissal(session: AsyncSession, store: EventStore, policy: Policy,
                           event: Event[assessment.MatchDismissed]) -> None:
    """A match an assessor dismissed on a case in assessment is ruled out here as well, as if
    that assessor had posted it; once per case and denial."""
    p, env = event.payload, event.envelope
    application_id = p.application_id or env.stream_id
    application_ref = p.application_ref
    if application_ref is None:
        # Assessment's events before it named the case's reference: the reference is the
        # application's, as intake submitted it.
        application_ref = await db.application_reference(session, application_id)
        if application_ref is None:
            raise RetryLater(f"application {application_id} not seen yet")
    cmd = DismissMatch(denial_id=p.denial_id, application_ref=application_ref, reason=p.reason,
                       dismissed_at=env.occurred_at, application_id=application_id)
    try:
        done = await execute(session, store, denial_aggregate(policy), p.denial_id,
                             lambda denial: dismiss(denial, cmd), actor=env.actor,
                             occurred_at=env.occurred_at, correlation_id=env.correlation_id,
                             causation_id=env.event_id, project=db.projector(store))
    except VersionConflict as exc:
        raise RetryLater(str(exc)) from exc
    if done.recorded:
        log.info("match of denial %s dismissed for %s in assessment by %s (event %s, "
                 "correlation %s)", p.denial_id, application_ref, env.actor.sub, env.event_id,
                 env.correlation_id)
