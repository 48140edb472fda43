"""Reporting's subscription: every event of every service, kept and projected into facts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.handlers.projection import keep_events
from shared.consumer import ConsumerSpec
from shared.contracts import Event


async def keep_event(session: AsyncSession, event: Event[Any]) -> None:
    """Keep one event (read through its contract by the consumer) and project it."""
    await keep_events(session, [event])


def consumer_spec() -> ConsumerSpec:
    """The durable consumer of the whole log: any event a contract reads is kept (a batch at
    once when the consumer has several); the rest are dead letters. Personal fields stay
    sealed: the copies are kept as published and the facts never read them."""
    return ConsumerSpec(name="reporting", subjects=["lic.>"], handlers={}, default=keep_event,
                        batch_handler=keep_events, open_personal=False)
