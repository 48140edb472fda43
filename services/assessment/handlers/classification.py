"""Handlers of classification requests: keep intake's requests, answer them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.domain.classification import check_answer
from services.assessment.handlers import db
from services.assessment.handlers.context import Context
from shared.auth import Principal
from shared.contracts import Event
from shared.contracts.assessment import ClassificationAnswered
from shared.contracts.intake import ClassificationRequested
from shared.errors import Conflict, NotFound


async def request_received(session: AsyncSession, event: Event[ClassificationRequested]) -> None:
    """Keep an open classification request, once."""
    request_id = event.payload.id
    requested_at = event.envelope.occurred_at
    await db.keep_request(session, request_id, {
        **event.payload.model_dump(mode="json"), "requested_at": requested_at.isoformat(),
        "answer": None}, requested_at=requested_at)


async def answer(ctx: Context, who: Principal, request_id: str, *, rating: str | None,
                 controlled: bool, note: str | None) -> dict[str, Any]:
    """Answer a classification request with a rating or 'not controlled'; the request."""
    check_answer(rating, controlled)
    async with ctx.runtime.transaction() as session:
        found = await db.request(session, request_id)
        if found is None:
            raise NotFound(f"no classification request {request_id}")
        status, doc = found
        if status != "open":
            raise Conflict(f"classification request {request_id} is already answered")
        answered = ClassificationAnswered(request_id=request_id, rating=rating,
                                          controlled=controlled, note=note)
        [recorded] = await ctx.runtime.store.append(session, request_id, [answered],
                                                    actor=who.as_actor())
        doc["answer"] = {**answered.model_dump(mode="json"), "by": who.sub,
                         "answered_at": recorded.recorded_at.isoformat()}
        await db.answer_request(session, request_id, doc)
    return {**doc, "status": "answered"}
