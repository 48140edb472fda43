"""Erasing a data subject, and which subjects are past their retention period.

`erase` deletes the subject's keys in this service's key store (its own keys and its copies of
other services' keys), records the erasure there (the subject id, the ground and the time: no
personal data), queues the purge of this service's bucket entries, and records the erasure as
a `PersonalDataErased` event on the subject's stream (`ps_...`) of a producing service (the
reporting service produces no events, so it passes no store). Every personal field sealed for
the subject then reads as `Erased`, in every event already stored, published or backed up.

Records are kept for a retention period, which the law fixes per kind of record: the exporter's
licence records at least five years from the end of the calendar year of the last event
(Regulation (EU) 2021/821 art. 27), the office's under national archive law. The periods are
settings (`LICENSING_RETENTION_YEARS`, years from the end of the calendar year of the last
event, per kind). The service says which records it holds about a subject, and the day of
each one's last event (`Holding`); `erase` refuses while any is within its period, saying
until when, unless the ground overrides retention (the data was processed unlawfully, or
erasure was ordered). `due` lists the subjects past their periods and not erased since.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import nats
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import business_date, utcnow
from shared.envelope import SYSTEM, Actor, Envelope
from shared.errors import Conflict, FieldError, Invalid
from shared.eventstore import EventStore
from shared.personal.keys import KeyStore, KeyUnavailable
from shared.personal.subjects import is_subject

log = logging.getLogger(__name__)

GROUNDS = ("retention-ended", "subject-request", "unlawfully-processed", "ordered")
# Data that should never have been recorded has no period to keep it for; an order of a court
# or the supervisory authority is followed. A data subject's request waits for the period
# (GDPR art. 17(3)(b): the legal obligation to keep the records comes first).
OVERRIDING = frozenset({"unlawfully-processed", "ordered"})
ERASED_EVENT = "PersonalDataErased"


@dataclass(frozen=True)
class Holding:
    """A record a service keeps about a data subject: its kind and the day of its last event."""

    subject: str
    kind: str
    last_event_on: dt.date


def retained_until(holding: Holding, years: Mapping[str, int]) -> dt.date:
    """The last day a record is kept: the end of the calendar year of its last event, plus
    the period of its kind (a licence whose last event is in 2024 is kept until 2029-12-31)."""
    if holding.kind not in years:
        raise ValueError(f"no retention period is configured for {holding.kind!r} records "
                         f"(LICENSING_RETENTION_YEARS has {sorted(years)})")
    return dt.date(holding.last_event_on.year + years[holding.kind], 12, 31)


class RetentionNotOver(Conflict):
    """An erasure asked for while the subject's records must still be kept."""

    code = "retention-not-over"
    title = "Retention period not over"

    def __init__(self, subject: str, until: dt.date, kinds: Iterable[str]) -> None:
        kinds = sorted(set(kinds))
        super().__init__(
            f"the records of {subject} ({', '.join(kinds)}) are kept until {until.isoformat()}; "
            f"they can be erased from {(until + dt.timedelta(days=1)).isoformat()}, or now on "
            f"a ground that overrides retention ({', '.join(sorted(OVERRIDING))})",
            retained_until=until.isoformat(), kinds=kinds)
        self.retained_until = until


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: whose, why, when, and the event that records it (if any)."""

    subject: str
    ground: str
    erased_at: dt.datetime
    keys_deleted: int
    event: Envelope | None


@dataclass(frozen=True)
class Due:
    """A subject whose records are all past their retention period, not erased since."""

    subject: str
    retained_until: dt.date
    kinds: tuple[str, ...]


def _check(subject: str, ground: str) -> None:
    errors = []
    if not is_subject(subject):
        errors.append(FieldError(("body", "subject"), "a data subject id is ps_ and 32 "
                                                      "letters a-z or digits 2-7"))
    if ground not in GROUNDS:
        errors.append(FieldError(("body", "ground"), f"the ground is one of {', '.join(GROUNDS)}"))
    if errors:
        raise Invalid(errors=errors)


def _kept_until(subject: str, holdings: Iterable[Holding], years: Mapping[str, int]
                ) -> tuple[dt.date, list[str]] | None:
    own = [h for h in holdings if h.subject == subject]
    if not own:
        return None
    return max(retained_until(h, years) for h in own), [h.kind for h in own]


async def erase(keys: KeyStore, subject: str, ground: str, *, holdings: Iterable[Holding],
                years: Mapping[str, int], session: AsyncSession | None = None,
                store: EventStore | None = None, actor: Actor = SYSTEM,
                today: dt.date | None = None) -> Erasure:
    """Erase a data subject's personal data in this service (see the module's docstring).

    `holdings` are the service's records about the subject; with `store` and `session` the
    erasure is recorded as the store's `PersonalDataErased` event in that (open) transaction.
    The keys are deleted first, in the key store's own transaction: if the caller's
    transaction then fails the subject is erased all the same, and erasing again records it.
    """
    _check(subject, ground)
    now = utcnow()
    day = today or business_date(now)
    kept = _kept_until(subject, holdings, years)
    if kept is not None and ground not in OVERRIDING and kept[0] >= day:
        raise RetentionNotOver(subject, kept[0], kept[1])
    own = await keys.erase(subject, ground, now)
    event = None
    if store is not None and session is not None:
        model = store.registry.model(store.source, ERASED_EVENT)
        [event] = await store.append(session, subject,
                                     [model(subject=subject, ground=ground, erased_on=day)],
                                     actor=actor, occurred_at=now)
    log.info("personal data of %s erased in %s on ground %s (%d own keys deleted)", subject,
             keys.source, ground, len(own))
    # Purge the bucket entries now if NATS is there; else the outbox relay does it once it is.
    with contextlib.suppress(KeyUnavailable, nats.errors.Error, TimeoutError, OSError):
        await keys.push()
    return Erasure(subject, ground, now, len(own), event)


async def due(keys: KeyStore, holdings: Iterable[Holding], *, years: Mapping[str, int],
              today: dt.date | None = None) -> list[Due]:
    """The subjects whose every record is past its period, and not erased since their last
    event, oldest period first."""
    day = today or business_date(utcnow())
    by_subject: dict[str, list[Holding]] = {}
    for holding in holdings:
        by_subject.setdefault(holding.subject, []).append(holding)
    erased = await keys.erasures_of(by_subject)
    found = []
    for subject, own in by_subject.items():
        until = max(retained_until(h, years) for h in own)
        last = max(h.last_event_on for h in own)
        if until >= day or (subject in erased and business_date(erased[subject]) >= last):
            continue
        found.append(Due(subject, until, tuple(sorted({h.kind for h in own}))))
    return sorted(found, key=lambda d: (d.retained_until, d.subject))
