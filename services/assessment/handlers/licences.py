"""Handlers of licences: suspending, reinstating, revoking, and the notice to parliament sent.

A licence is issued with the decision that approves its case (handlers.cases.decide).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from services.assessment.domain import licence as rules
from services.assessment.handlers import db, streams
from services.assessment.handlers.context import Context
from shared.auth import Principal
from shared.clock import today
from shared.errors import NotFound


async def change_licence(ctx: Context, who: Principal, number: str, *,
                         action: Literal["suspend", "reinstate", "revoke"], reason: str) -> None:
    """Suspend, reinstate or revoke a licence, with a reason, as an event on its stream."""
    async with ctx.runtime.transaction() as session:
        stream = await db.licence_stream(session, number)
        if stream is None:
            raise NotFound(f"no licence {number}")
        loaded = await streams.load(ctx, session, stream)
        await streams.record(ctx, session, stream, loaded,
                             rules.change(loaded.state.licence, number, action=action,
                                          reason=reason),
                             actor=who.as_actor())


async def mark_notification_sent(ctx: Context, who: Principal, notification_id: str, *,
                                 sent_on: dt.date | None) -> None:
    """Record that parliament was informed (on `sent_on`, by default today)."""
    day = today()
    sent_on = sent_on or day
    rules.check_sent_on(sent_on, day)
    async with ctx.runtime.transaction() as session:
        stream = await db.notification_stream(session, notification_id)
        if stream is None:
            raise NotFound(f"no parliament notification {notification_id}")
        loaded = await streams.load(ctx, session, stream)
        await streams.record(ctx, session, stream, loaded,
                             rules.mark_sent(loaded.state.licence, notification_id,
                                             sent_on=sent_on),
                             actor=who.as_actor())
