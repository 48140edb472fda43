"""Consultation commands, one transaction each: open, reply, record the outcome; each folds the
consultation's stream, decides, appends and projects the consultations and notifications."""

from __future__ import annotations

from dataclasses import replace

from services.denials.domain.consultation import (
    Consultation,
    OpenConsultation,
    RecordOutcome,
    Reply,
    evolve,
    open_consultation,
    record_outcome,
    reply,
)
from services.denials.domain.validity import Policy
from services.denials.handlers import db
from services.denials.handlers.registry import denial_aggregate
from shared.aggregate import Aggregate, execute, load
from shared.envelope import Actor
from shared.service import Runtime

CONSULTATIONS: Aggregate[Consultation | None] = Aggregate("consultation", None, evolve)


async def open_on_denial(runtime: Runtime, policy: Policy, cmd: OpenConsultation, *,
                         actor: Actor) -> None:
    """The consulting state asks the denying state about an essentially identical case."""
    async with runtime.transaction() as session:
        denial = (await load(session, runtime.store, denial_aggregate(policy),
                             cmd.denial_id)).state
        running = None if not cmd.by_state else await db.running_consultation(
            session, denial_id=cmd.denial_id, application_ref=cmd.application_ref,
            consulting_state=cmd.by_state)
        asked = replace(cmd, application_id=await db.application_of_reference(
            session, cmd.application_ref))
        await execute(session, runtime.store, CONSULTATIONS, cmd.id,
                      lambda _new: open_consultation(asked, denial=denial, running=running,
                                                     policy=policy),
                      actor=actor, occurred_at=cmd.at, correlation_id=cmd.id,
                      project=db.project_consultation)


async def reply_to(runtime: Runtime, cmd: Reply, *, actor: Actor) -> None:
    """The denying state answers."""
    async with runtime.transaction() as session:
        await execute(session, runtime.store, CONSULTATIONS, cmd.consultation_id,
                      lambda consultation: reply(consultation, cmd), actor=actor,
                      occurred_at=cmd.at, correlation_id=cmd.consultation_id,
                      project=db.project_consultation)


async def close_with_outcome(runtime: Runtime, cmd: RecordOutcome, *, actor: Actor) -> None:
    """The consulting state records its decision; a grant notifies the denying state."""
    async with runtime.transaction() as session:
        await execute(session, runtime.store, CONSULTATIONS, cmd.consultation_id,
                      lambda consultation: record_outcome(consultation, cmd), actor=actor,
                      occurred_at=cmd.at, correlation_id=cmd.consultation_id,
                      project=db.project_consultation)
