"""Reporting's subscription: every event of every service, kept and projected into facts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.db import log
from services.reporting.projections import apply_events
from shared.consumer import ConsumerSpec
from shared.contracts import Event
from shared.envelope import Envelope


async def keep_event(session: AsyncSession, event: Event[Any]) -> None:
    """Keep a copy of the event (for `as_of`) and apply it to the report's facts."""
    await keep_events(session, [event])


async def keep_events(session: AsyncSession, events: Sequence[Event[Any]]) -> None:
    """Keep copies of a batch of events (for `as_of`) and apply them to the report's facts:
    one insert of the copies, one merge of the facts."""
    envs = [event.envelope for event in events]
    # The insert comes first: on SQLite it takes the write lock before the generation pointer
    # is read, so a rebuild switching generations cannot slip in between.
    await session.execute(insert(log), [_log_row(env) for env in envs])
    await apply_events(session, envs)


def _log_row(env: Envelope) -> dict[str, Any]:
    return {"event_id": env.event_id, "source": env.source, "stream_id": env.stream_id,
            "stream_version": env.stream_version, "type": env.type,
            "recorded_at": env.recorded_at, "body": env.to_json()}


def consumer_spec() -> ConsumerSpec:
    """The durable consumer of the whole log."""
    return ConsumerSpec(name="reporting", subjects=["lic.>"], handlers={}, default=keep_event,
                        batch_handler=keep_events)
