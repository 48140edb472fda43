"""Registry commands, one transaction each: notify, revoke, renew, expire a denial, and rule a
match out; each folds the denial's stream, decides, appends and projects the read models."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from services.denials.domain.denial import (
    Denial,
    DismissMatch,
    NotifyDenial,
    RenewDenial,
    RevokeDenial,
    dismiss,
    evolver,
    expire,
    notify,
    renew,
    revoke,
)
from services.denials.domain.validity import Policy
from services.denials.handlers import db
from shared.aggregate import Aggregate, Decided, execute
from shared.clock import noon, today
from shared.envelope import SYSTEM, Actor
from shared.errors import Conflict
from shared.service import Runtime

log = logging.getLogger(__name__)


def denial_aggregate(policy: Policy) -> Aggregate[Denial | None]:
    """How a denial is folded from its stream under this policy."""
    return Aggregate("denial", None, evolver(policy.validity_years))


async def notify_denial(runtime: Runtime, policy: Policy, cmd: NotifyDenial, *, actor: Actor,
                        is_country: Callable[[str], bool]) -> None:
    """A partner state notifies a denial; it enters the registry and its indexes."""
    try:
        async with runtime.transaction() as session:
            taken = None if not cmd.state else await db.denial_holding(
                session, state=cmd.state, reference=cmd.reference, destination=cmd.destination)
            await execute(
                session, runtime.store, denial_aggregate(policy), cmd.id,
                lambda denial: notify(denial, cmd, policy=policy, today=today(),
                                      is_country=is_country, taken_by=taken),
                actor=actor, occurred_at=noon(cmd.denied_on), correlation_id=cmd.id,
                project=db.projector(runtime.store))
    except IntegrityError as exc:
        raise Conflict(f"reference {cmd.reference!r} was registered concurrently") from exc


async def revoke_denial(runtime: Runtime, policy: Policy, cmd: RevokeDenial, *,
                        actor: Actor) -> None:
    """The notifying state withdraws its denial from today."""
    async with runtime.transaction() as session:
        await execute(session, runtime.store, denial_aggregate(policy), cmd.denial_id,
                      lambda denial: revoke(denial, cmd, today=today()), actor=actor,
                      correlation_id=cmd.denial_id, project=db.projector(runtime.store))


async def renew_denial(runtime: Runtime, policy: Policy, cmd: RenewDenial, *,
                       actor: Actor) -> None:
    """The notifying state confirms its denial on a later date: its validity starts again."""
    async with runtime.transaction() as session:
        await execute(session, runtime.store, denial_aggregate(policy), cmd.denial_id,
                      lambda denial: renew(denial, cmd, policy=policy, today=today()),
                      actor=actor, correlation_id=cmd.denial_id,
                      project=db.projector(runtime.store))


async def dismiss_match(runtime: Runtime, policy: Policy, cmd: DismissMatch, *,
                        actor: Actor) -> bool:
    """An assessor rules a match not essentially identical; False when the pair was ruled on
    before (the first ruling stands)."""
    async with runtime.transaction() as session:
        done: Decided[Denial | None] = await execute(
            session, runtime.store, denial_aggregate(policy), cmd.denial_id,
            lambda denial: dismiss(denial, cmd), actor=actor, occurred_at=cmd.dismissed_at,
            correlation_id=cmd.denial_id, project=db.projector(runtime.store))
    return bool(done.recorded)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), dt.UTC)


async def expire_due(runtime: Runtime, policy: Policy, *, on: dt.date | None = None,
                     batch: int = 500) -> int:
    """Record DenialExpired for every denial whose validity ended; returns how many."""
    day = on or today()
    aggregate = denial_aggregate(policy)
    total = 0
    while True:
        recorded = 0
        async with runtime.transaction() as session:
            due = await db.due_for_expiry(session, day, batch)
            for denial_id, ended in due:
                done = await execute(session, runtime.store, aggregate, denial_id,
                                     lambda denial: expire(denial, on=day), actor=SYSTEM,
                                     occurred_at=_start_of(ended), correlation_id=denial_id,
                                     project=db.projector(runtime.store))
                recorded += bool(done.recorded)
        total += recorded
        # A round that recorded nothing would find the same rows again.
        if len(due) < batch or not recorded:
            return total
