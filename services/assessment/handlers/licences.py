"""Handlers of licences: suspending, reinstating, revoking, marking confidential, and the
notices to parliament sent (one at a time, or by a periodic letter).

A licence is issued with the decision that approves its case (handlers.cases.decide).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Literal

from services.assessment.domain import licence as rules
from services.assessment.domain.dossier import Dossier
from services.assessment.domain.letters import send_letter as send
from services.assessment.handlers import db, streams
from services.assessment.handlers.context import Context
from shared.aggregate import Loaded
from shared.auth import Principal
from shared.clock import today
from shared.contracts.assessment import LetterKind
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
                                 sent_on: dt.date | None, explanation: str | None = None,
                                 letter_reference: str | None = None) -> None:
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
                                             sent_on=sent_on, explanation=explanation,
                                             letter_reference=letter_reference),
                             actor=who.as_actor())


async def mark_confidential(ctx: Context, who: Principal, number: str, *, release_on: dt.date,
                            reason: str) -> None:
    """Withhold a licence from public reports until its release date."""
    async with ctx.runtime.transaction() as session:
        stream = await db.licence_stream(session, number)
        if stream is None:
            raise NotFound(f"no licence {number}")
        loaded = await streams.load(ctx, session, stream)
        await streams.record(ctx, session, stream, loaded,
                             rules.mark_confidential(loaded.state.licence, number,
                                                     release_on=release_on, reason=reason,
                                                     today=today()),
                             actor=who.as_actor())


async def send_letter(ctx: Context, who: Principal, *, reference: str, sent_on: dt.date,
                      destination: str | None, licence_numbers: Sequence[str],
                      note: str | None,
                      kind: LetterKind = "periodic_letter") -> str:
    """Record a periodic letter to parliament and the notices it sends; the letter's id."""
    letter_id = f"letter-{uuid.uuid4()}"
    async with ctx.runtime.transaction() as session:
        loaded: dict[str, tuple[str, Loaded[Dossier]]] = {}
        for number in dict.fromkeys(licence_numbers):
            stream = await db.licence_stream(session, number)
            if stream is not None:
                loaded[number] = (stream, await streams.load(ctx, session, stream))
        letter = send(letter_id, reference=reference, sent_on=sent_on, destination=destination,
                      licence_numbers=licence_numbers, note=note, kind=kind,
                      licences={n: d.state.licence for n, (_s, d) in loaded.items()},
                      today=today())
        [recorded] = await ctx.runtime.store.append(session, letter_id, [letter.sent],
                                                    actor=who.as_actor(), expected_version=0)
        await db.save_letter(session, letter.sent, reported=list(letter.notices),
                             recorded_at=recorded.recorded_at)
        for number, events in letter.notices.items():
            stream, before = loaded[number]
            await streams.record(ctx, session, stream, before, events, actor=who.as_actor(),
                                 correlation_id=recorded.correlation_id,
                                 causation_id=recorded.event_id)
    return letter_id
