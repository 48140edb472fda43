"""Reporting's subscription: every event of every service, kept and projected into facts."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.db import log
from services.reporting.projections import apply_event
from shared.consumer import ConsumerSpec
from shared.envelope import Envelope


async def keep_event(session: AsyncSession, env: Envelope) -> None:
    """Keep a copy of the event (for `as_of`) and apply it to the report's facts."""
    # The insert comes first: on SQLite it takes the write lock before the generation pointer
    # is read, so a rebuild switching generations cannot slip in between.
    await session.execute(insert(log).values(
        event_id=env.event_id, source=env.source, stream_id=env.stream_id,
        stream_version=env.stream_version, type=env.type, recorded_at=env.recorded_at,
        body=env.to_json(),
    ))
    await apply_event(session, env)


def consumer_spec() -> ConsumerSpec:
    """The durable consumer of the whole log."""
    return ConsumerSpec(name="reporting", subjects=["lic.>"], handlers={}, default=keep_event)
