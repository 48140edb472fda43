"""Classification requests: is a good controlled, and under which rating? Answered in assessment."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.handlers import db
from services.intake.handlers.common import body_hash, key_reused, rows_after_conflict
from services.intake.schemas import ClassificationIn
from shared.auth import Principal
from shared.contracts import Event
from shared.contracts.assessment import ClassificationAnswered
from shared.contracts.intake import ClassificationRequested
from shared.contracts.types import Company
from shared.service import Runtime


async def request_classification(
    runtime: Runtime, *, body: ClassificationIn, key: str | None, who: Principal,
) -> tuple[dict[str, Any], bool]:
    """Record a classification request (once per Idempotency-Key when one is sent)."""
    fingerprint = body_hash(body.model_dump(mode="json"))
    if key is not None:
        async with runtime.sessions() as session:
            existing = (await session.execute(db.classification_with_key(key))).first()
        if existing is not None:
            return _replay(existing, fingerprint), False
    applicant = body.applicant
    event = ClassificationRequested(
        id=str(uuid.uuid4()), description=body.description, technical_data=body.technical_data,
        applicant=Company(name=applicant.name, eori=applicant.eori) if applicant else None,
        reference=body.reference)
    try:
        async with runtime.transaction() as session:
            await db.insert_classification(session, event, key=key, body_hash=fingerprint)
            await runtime.store.append(session, event.id, [event], actor=who.as_actor(),
                                       correlation_id=event.id, expected_version=0)
    except IntegrityError:
        # A concurrent twin took the key, perhaps in the same commit group.
        if key is None:
            raise
        rows = await rows_after_conflict(runtime, db.classification_with_key(key))
        if not rows:
            raise
        return _replay(rows[0], fingerprint), False
    return {**event.model_dump(mode="json"), "status": "pending", "answer": None}, True


def _replay(row: Any, fingerprint: str) -> dict[str, Any]:
    if row.body_hash != fingerprint:
        raise key_reused("classification request", row.id)
    return db.classification_document(row)


async def record_answer(session: AsyncSession, event: Event[ClassificationAnswered]) -> None:
    """Specialists answered a classification request: a rating, or not controlled."""
    answer = event.payload
    await db.answer_classification(session, answer.request_id, {
        "rating": answer.rating, "controlled": answer.controlled, "note": answer.note,
        "answered_at": event.envelope.occurred_at.isoformat()})
