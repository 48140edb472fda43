"""Handlers of classification requests: keep intake's requests, answer them."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import domain
from services.assessment import events as ev
from services.assessment.db import classification_requests
from services.assessment.handlers.base import Context, NotFound
from shared.auth import Principal
from shared.envelope import Envelope, canonical_json
from shared.eventstore import NewEvent
from shared.reference import valid_dual_use_entry, valid_military_rating


async def request_received(session: AsyncSession, env: Envelope) -> None:
    """Keep an open classification request (inside the consumer)."""
    request_id = str(env.payload.get("id") or env.stream_id)
    exists = (await session.execute(select(classification_requests.c.id).where(
        classification_requests.c.id == request_id))).first()
    if exists is not None:
        return
    await session.execute(insert(classification_requests).values(
        id=request_id, status="open", requested_at=env.occurred_at,
        document=canonical_json({"id": request_id, **dict(env.payload),
                                 "requested_at": env.occurred_at.isoformat(),
                                 "answer": None})))


def check_rating(rating: str | None, controlled: bool) -> None:
    """A controlled good has a valid rating; an uncontrolled one has none."""
    if not controlled:
        if rating is not None:
            raise domain.InvalidCommand("a good that is not controlled has no rating")
        return
    if not rating:
        raise domain.InvalidCommand("a controlled good needs its rating")
    at = rating.split(".")[0] in ("II", "III", "IV")
    if not (valid_military_rating(rating) or valid_dual_use_entry(rating) or at):
        raise domain.InvalidCommand(
            f"{rating!r} is neither a military rating (ML6), a dual-use entry (3A001) nor an "
            "anti-torture item (III.2.1)")


async def answer(ctx: Context, who: Principal, request_id: str, *, rating: str | None,
                 controlled: bool, note: str | None) -> dict[str, Any]:
    """Answer a classification request with a rating or 'not controlled'."""
    check_rating(rating, controlled)
    async with ctx.runtime.transaction() as session:
        row = (await session.execute(select(classification_requests).where(
            classification_requests.c.id == request_id))).first()
        if row is None:
            raise NotFound(f"no classification request {request_id}")
        if row.status != "open":
            raise domain.DomainError(f"classification request {request_id} is already answered")
        payload = {"request_id": request_id, "rating": rating, "controlled": controlled,
                   "note": note}
        recorded = await ctx.runtime.store.append(
            session, request_id, [NewEvent(ev.CLASSIFICATION_ANSWERED, payload)],
            actor=who.as_actor())
        doc = json.loads(row.document)
        doc["answer"] = {**payload, "by": who.sub,
                         "answered_at": recorded[0].recorded_at.isoformat()}
        await session.execute(update(classification_requests)
                              .where(classification_requests.c.id == request_id)
                              .values(status="answered", document=canonical_json(doc)))
    return {**doc, "status": "answered"}

