"""Applications: submit once per key and reference, follow their status, withdraw."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Select, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from services.intake import domain, events
from services.intake.db import applications, licences
from services.intake.handlers.common import (
    body_hash,
    key_reused,
    rows_after_conflict,
    rows_changed,
)
from services.intake.schemas import ApplicationIn
from shared.auth import Principal
from shared.clock import utcnow
from shared.envelope import canonical_json
from shared.eventstore import NewEvent
from shared.problems import Problem
from shared.reference import ReferenceData
from shared.service import Runtime

UNDECIDED = ("submitted", "under_assessment")


async def submit_application(
    runtime: Runtime, ref: ReferenceData, *, body: ApplicationIn, key: str, who: Principal,
) -> tuple[dict[str, Any], bool]:
    """Record a new application once per idempotency key; returns (document, created)."""
    data = body.model_dump(mode="json")
    fingerprint = body_hash(data)
    # No read before the write: a new key and reference (nearly every request) go straight to
    # the insert, and the unique constraints on both tell a repeat or a taken reference.
    now = utcnow()
    errors = domain.validate_application(body.model_dump(), ref, now=now)
    app_id = str(uuid.uuid4())
    received = body.received_at or now
    document = events.payload(
        events.APPLICATION_SUBMITTED, **{**data, "id": app_id,
                                         "received_at": received.isoformat(),
                                         "value_eur": domain.money_str(
                                             domain.goods_value(data["goods"]))})
    if errors and body.amends is None:
        # A repeat of a request accepted earlier answers as then, whatever the rules say now.
        async with runtime.sessions() as session:
            earlier = await session.execute(_holding(key, body.reference))
            answer = _answer(list(earlier.all()), key, body.reference, fingerprint)
        if answer is not None:
            return answer
        raise domain.InvalidRequest(errors)
    try:
        async with runtime.transaction() as session:
            if body.amends is not None:
                known = (await session.execute(select(licences.c.licence_number).where(
                    licences.c.licence_number == body.amends.licence_number))).first()
                if known is None:
                    errors.append(domain.FieldError(
                        ("body", "amends", "licence_number"),
                        f"no licence {body.amends.licence_number} is known"))
            if errors:
                raise domain.InvalidRequest(errors)
            await session.execute(insert(applications), {
                "id": app_id, "reference": body.reference, "idempotency_key": key,
                "body_hash": fingerprint, "status": "submitted", "received_at": received,
                "document": canonical_json(document), "version": 1,
            })
            await runtime.store.append(
                session, app_id,
                [NewEvent(events.APPLICATION_SUBMITTED, document, occurred_at=received)],
                actor=who.as_actor(), correlation_id=app_id, expected_version=0,
            )
    except IntegrityError:
        # The key or the reference is taken: by an earlier request or by a concurrent twin.
        rows = await rows_after_conflict(runtime, _holding(key, body.reference))
        answer = _answer(rows, key, body.reference, fingerprint)
        if answer is None:
            raise _reference_taken(body.reference, None) from None
        return answer
    return current_document_of(document, status="submitted"), True


def _reference_taken(reference: str, other: str | None) -> Problem:
    where = f" by application {other}" if other else ""
    return Problem(409, "Reference already used",
                   f"reference {reference!r} is already taken{where}, submitted under another "
                   "Idempotency-Key", kind="duplicate-reference", application_id=other)


def _holding(key: str, reference: str) -> Select[Any]:
    """The applications holding this key or this reference."""
    return select(applications).where(
        or_(applications.c.idempotency_key == key, applications.c.reference == reference))


def _answer(rows: list[Any], key: str, reference: str,
            fingerprint: str) -> tuple[dict[str, Any], bool] | None:
    """The answer to a request whose key or reference is held already: the key's application
    again (200), 409 for another body under the key or the reference under another key; None
    when neither is held."""
    for row in sorted(rows, key=lambda row: row.idempotency_key != key):
        if row.idempotency_key == key:
            return _replay(row, fingerprint)
        raise _reference_taken(reference, row.id)
    return None


def _replay(row: Any, fingerprint: str) -> tuple[dict[str, Any], bool]:
    if row.body_hash != fingerprint:
        raise key_reused("application", row.id)
    return current_document(row), False


def current_document_of(document: dict[str, Any], *, status: str,
                        licence_number: str | None = None,
                        decision: dict[str, Any] | None = None) -> dict[str, Any]:
    """An application as customs sees it: what was accepted plus where its case stands."""
    out = {**document, "status": status}
    if licence_number:
        out["licence_number"] = licence_number
    if decision:
        out["decided_at"] = decision.get("decided_at")
        if status == "denied":
            out["criteria"] = decision.get("criteria", [])
    return out


def current_document(row: Any) -> dict[str, Any]:
    """An application row as customs sees it now."""
    decision = json.loads(row.decision) if row.decision else None
    return current_document_of(json.loads(row.document), status=row.status,
                               licence_number=row.licence_number, decision=decision)


async def get_application(runtime: Runtime, app_id: str) -> dict[str, Any]:
    """One application with its current status, or 404."""
    async with runtime.sessions() as session:
        row = (await session.execute(
            select(applications).where(applications.c.id == app_id)
        )).first()
    if row is None:
        raise Problem(404, "Not found", f"no application {app_id}")
    return current_document(row)


async def withdraw_application(
    runtime: Runtime, app_id: str, *, reason: str | None, who: Principal
) -> dict[str, Any]:
    """Withdraw an undecided application; a repeat answers as the first; 409 once decided."""
    async with runtime.transaction() as session:
        row = (await session.execute(
            select(applications).where(applications.c.id == app_id)
        )).first()
        if row is None:
            raise Problem(404, "Not found", f"no application {app_id}")
        if row.status == "withdrawn":
            return current_document(row)
        if row.status not in UNDECIDED:
            raise Problem(409, "Already decided",
                          f"application {app_id} was {row.status}; only an undecided "
                          "application can be withdrawn", kind="already-decided",
                          status_now=row.status)
        # Guarded on the status read, so a decision that lands meanwhile wins cleanly.
        done = await session.execute(
            update(applications)
            .where(applications.c.id == app_id, applications.c.status == row.status)
            .values(status="withdrawn", version=row.version + 1)
        )
        if rows_changed(done) != 1:
            raise Problem(409, "Changed meanwhile",
                          f"application {app_id} changed while being withdrawn; read it again",
                          kind="concurrent-change")
        await runtime.store.append(
            session, app_id,
            [NewEvent(events.APPLICATION_WITHDRAWN,
                      events.payload(events.APPLICATION_WITHDRAWN, application_id=app_id,
                                     reason=reason))],
            actor=who.as_actor(), correlation_id=app_id,
        )
    return current_document_of(json.loads(row.document), status="withdrawn")
