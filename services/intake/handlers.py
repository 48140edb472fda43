"""Intake commands: load, decide, append events with their outbox rows, commit."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from services.intake import events
from services.intake.db import applications
from shared.auth import Principal
from shared.envelope import canonical_json, utcnow
from shared.eventstore import NewEvent
from shared.problems import Problem
from shared.service import Runtime


def body_hash(body: dict[str, Any]) -> str:
    """A fingerprint of a request body, to tell a retry from a different request."""
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


async def submit_application(
    runtime: Runtime, *, body: dict[str, Any], key: str, who: Principal,
    received_at: datetime | None,
) -> tuple[dict[str, Any], bool]:
    """Record a new application once per idempotency key; returns (document, created)."""
    fingerprint = body_hash(body)
    existing = await _by_key(runtime, key)
    if existing is not None:
        return _replay(existing, fingerprint)
    app_id = str(uuid.uuid4())
    received = received_at or utcnow()
    document = {**body, "id": app_id, "received_at": received.isoformat(), "status": "submitted"}
    try:
        async with runtime.transaction() as session:
            clash = (await session.execute(
                select(applications.c.id).where(applications.c.reference == body["reference"])
            )).first()
            if clash is not None:
                raise Problem(409, "Reference already used",
                              f"reference {body['reference']!r} belongs to application "
                              f"{clash[0]} submitted under another Idempotency-Key",
                              kind="duplicate-reference", application_id=clash[0])
            await session.execute(insert(applications).values(
                id=app_id, reference=body["reference"], idempotency_key=key,
                body_hash=fingerprint, status="submitted", received_at=received,
                document=canonical_json(document), version=1,
            ))
            await runtime.store.append(
                session, app_id,
                [NewEvent(events.APPLICATION_SUBMITTED, document, occurred_at=received)],
                actor=who.as_actor(), correlation_id=app_id, expected_version=0,
            )
    except IntegrityError:
        # A concurrent twin won the race on the key or the reference: answer as it was.
        existing = await _by_key(runtime, key)
        if existing is None:
            raise Problem(409, "Reference already used",
                          f"reference {body['reference']!r} is already taken",
                          kind="duplicate-reference") from None
        return _replay(existing, fingerprint)
    return document, True


async def _by_key(runtime: Runtime, key: str) -> Any:
    async with runtime.sessions() as session:
        return (await session.execute(
            select(applications).where(applications.c.idempotency_key == key)
        )).first()


def _replay(row: Any, fingerprint: str) -> tuple[dict[str, Any], bool]:
    if row.body_hash != fingerprint:
        raise Problem(409, "Idempotency key reused",
                      "this Idempotency-Key was used with a different body",
                      kind="idempotency-conflict", application_id=row.id)
    return current_document(row), False


def current_document(row: Any) -> dict[str, Any]:
    """An application as customs sees it now."""
    document = json.loads(row.document)
    document["status"] = row.status
    if row.licence_number:
        document["licence_number"] = row.licence_number
    return document


async def get_application(runtime: Runtime, app_id: str) -> dict[str, Any]:
    """One application with its current status, or 404."""
    async with runtime.sessions() as session:
        row = (await session.execute(
            select(applications).where(applications.c.id == app_id)
        )).first()
    if row is None:
        raise Problem(404, "Not found", f"no application {app_id}")
    return current_document(row)
