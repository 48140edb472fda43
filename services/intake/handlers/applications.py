"""Applications: submitted once per key and reference, withdrawn while undecided, and following
assessment's case as its events arrive.

The application's row is the snapshot of its state, guarded by the row's version: its stream
also carries the shipments under its licence, and assessment's events about it are in
assessment's store, not intake's, so the stream version is not the application's.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.application import (
    NEW,
    Application,
    SubmitApplication,
    WithdrawApplication,
    decide_submit,
    decide_withdraw,
    evolve,
    fold,
)
from services.intake.domain.prerequisites import Registers
from services.intake.handlers import db
from services.intake.handlers.common import body_hash, key_reused, rows_after_conflict
from services.intake.schemas import ApplicationIn
from services.intake.subjects import identify
from shared.aggregate import Loaded
from shared.auth import Principal
from shared.clock import utcnow
from shared.consumer import RetryLater
from shared.contracts import Event, Payload
from shared.contracts.assessment import CaseDecided
from shared.errors import Conflict, Invalid, VersionConflict
from shared.personal.vault import Vault
from shared.reference import ReferenceData
from shared.service import Runtime

log = logging.getLogger(__name__)
P = TypeVar("P", bound=Payload)
# A withdrawal racing with a change of the same application is decided again, this often.
ATTEMPTS = 3


async def submit_application(
    runtime: Runtime, ref: ReferenceData, registers: Registers, *, body: ApplicationIn, key: str,
    who: Principal,
) -> tuple[Application, bool]:
    """Record a new application once per idempotency key; returns (application, created)."""
    fingerprint = body_hash(body.model_dump(mode="json"))
    now = utcnow()
    cmd = SubmitApplication(str(uuid.uuid4()), identify(body.model_dump(), runtime.subjects),
                            body.received_at or now)
    # No read before the write: a new key and reference (nearly every request) go straight to
    # the insert, and the unique constraints on both tell a repeat or a taken reference.
    if body.amends is None:
        try:
            events = decide_submit(NEW, cmd, ref, now=now, registers=registers)
        except Invalid:
            # A repeat of a request accepted earlier answers as then, whatever the rules say now.
            async with runtime.sessions() as session:
                rows = list((await session.execute(db.holding(key, body.reference))).all())
            answer = await _answer(runtime.vault, rows, key, body.reference, fingerprint)
            if answer is None:
                raise
            return answer
    try:
        async with runtime.transaction() as session:
            if body.amends is not None:
                known = await db.licence_known(session, body.amends.licence_number)
                events = decide_submit(NEW, cmd, ref, now=now, registers=registers,
                                       amended_licence_known=known)
            app = fold(events)
            await db.insert_application(session, app, key=key, body_hash=fingerprint,
                                        vault=runtime.vault)
            await runtime.store.append(
                session, cmd.application_id, events, actor=who.as_actor(),
                occurred_at=cmd.received_at, correlation_id=cmd.application_id,
                expected_version=0)
    except IntegrityError:
        # The key or the reference is taken: by an earlier request or by a concurrent twin.
        rows = await rows_after_conflict(runtime, db.holding(key, body.reference))
        answer = await _answer(runtime.vault, rows, key, body.reference, fingerprint)
        if answer is None:
            raise _reference_taken(body.reference, None) from None
        return answer
    return app, True


def _reference_taken(reference: str, other: str | None) -> Conflict:
    where = f" by application {other}" if other else ""
    return Conflict(f"reference {reference!r} is already taken{where}, submitted under another "
                    "Idempotency-Key", code="duplicate-reference", application_id=other)


async def _answer(vault: Vault, rows: list[Any], key: str, reference: str,
                  fingerprint: str) -> tuple[Application, bool] | None:
    """The answer to a request whose key or reference is held already: the key's application
    again, a conflict for another body under the key or the reference under another key; None
    when neither is held."""
    for row in sorted(rows, key=lambda row: row.idempotency_key != key):
        if row.idempotency_key == key:
            if row.body_hash != fingerprint:
                raise key_reused("application", row.id)
            return db.application_of(row, await db.opened_document(vault, row)), False
        raise _reference_taken(reference, row.id)
    return None


async def withdraw_application(runtime: Runtime, app_id: str, *, reason: str | None,
                               who: Principal) -> Application:
    """Withdraw an undecided application; a repeat answers as the first; Conflict once decided."""
    cmd = WithdrawApplication(app_id, reason)
    attempt = 1
    while True:
        try:
            return await _withdraw(runtime, cmd, who)
        except VersionConflict:
            # Assessment's events moved the application on meanwhile: decide again on that.
            if attempt == ATTEMPTS:
                raise
            attempt += 1
            log.info("withdrawal of %s raced with a change of it; deciding again", app_id)


async def _withdraw(runtime: Runtime, cmd: WithdrawApplication, who: Principal) -> Application:
    async with runtime.transaction() as session:
        loaded = (await db.load_application(session, cmd.application_id, vault=runtime.vault)
                  or Loaded(NEW, 0))
        events = decide_withdraw(loaded.state, cmd)
        if not events:
            return loaded.state
        await runtime.store.append(session, cmd.application_id, events, actor=who.as_actor(),
                                   correlation_id=cmd.application_id)
        app = fold(events, loaded.state)
        await db.save_application(session, cmd.application_id, app, version=loaded.version)
    return app


async def follow_assessment(session: AsyncSession, application_id: str, event: Event[P]
                            ) -> None:
    """Assessment moved the application's case on (opened, decided, licence issued)."""
    loaded = await db.load_application(session, application_id)
    if loaded is None:
        return  # not an application intake took in
    app = evolve(loaded.state, event.payload)
    if app == loaded.state:
        if isinstance(event.payload, CaseDecided):
            log.info("CaseDecided %s (correlation %s) for application %s left it %s",
                     event.event_id, event.envelope.correlation_id, application_id, app.status)
        return
    try:
        await db.save_application(session, application_id, app, version=loaded.version)
    except VersionConflict as exc:
        # A command changed it in the meantime: handle the event again on the new state.
        raise RetryLater(str(exc)) from exc
