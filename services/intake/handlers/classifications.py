"""Classification requests: is a good controlled, and under which rating? Answered in assessment."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.exc import IntegrityError

from services.intake import events
from services.intake.db import classification_requests
from services.intake.handlers.common import body_hash, key_reused, rows_after_conflict
from services.intake.schemas import ClassificationIn
from shared.auth import Principal
from shared.envelope import canonical_json
from shared.eventstore import NewEvent
from shared.problems import Problem
from shared.service import Runtime


async def request_classification(
    runtime: Runtime, *, body: ClassificationIn, key: str | None, who: Principal,
) -> tuple[dict[str, Any], bool]:
    """Record a classification request (once per Idempotency-Key when one is sent)."""
    data = body.model_dump(mode="json")
    fingerprint = body_hash(data)
    if key is not None:
        existing = await _by_key(runtime, key)
        if existing is not None:
            return _replay(existing, fingerprint), False
    rid = str(uuid.uuid4())
    payload = events.payload(events.CLASSIFICATION_REQUESTED, **data, id=rid)
    try:
        async with runtime.transaction() as session:
            await session.execute(insert(classification_requests).values(
                id=rid, idempotency_key=key, body_hash=fingerprint, status="pending",
                document=canonical_json(payload)))
            await runtime.store.append(
                session, rid, [NewEvent(events.CLASSIFICATION_REQUESTED, payload)],
                actor=who.as_actor(), correlation_id=rid, expected_version=0)
    except IntegrityError:
        # A concurrent twin took the key, perhaps in the same commit group.
        rows = await rows_after_conflict(runtime, _with_key(key)) if key is not None else []
        if not rows:
            raise
        return _replay(rows[0], fingerprint), False
    return _document(payload, "pending", None), True


def _with_key(key: str) -> Select[Any]:
    return select(classification_requests).where(
        classification_requests.c.idempotency_key == key)


async def _by_key(runtime: Runtime, key: str) -> Any:
    async with runtime.sessions() as session:
        return (await session.execute(_with_key(key))).first()


def _replay(row: Any, fingerprint: str) -> dict[str, Any]:
    if row.body_hash != fingerprint:
        raise key_reused("classification request", row.id)
    return _row_document(row)


def _document(payload: dict[str, Any], status: str, answer: dict[str, Any] | None
              ) -> dict[str, Any]:
    return {**payload, "status": status, "answer": answer}


def _row_document(row: Any) -> dict[str, Any]:
    return _document(json.loads(row.document), row.status,
                     json.loads(row.answer) if row.answer else None)


async def get_classification_request(runtime: Runtime, rid: str) -> dict[str, Any]:
    """A classification request with its answer once given."""
    async with runtime.sessions() as session:
        row = (await session.execute(select(classification_requests).where(
            classification_requests.c.id == rid))).first()
    if row is None:
        raise Problem(404, "Not found", f"no classification request {rid}")
    return _row_document(row)
