"""Which records a service keeps about a data subject: read from its copy of the event log.

A record is a stream (one application's life: its licence, its shipments, its case) whose
events name the subject; its kind is `licence` once a licence was issued on it, `denial` for a
denial, else `application`; its last event is the day the newest event of the stream was
recorded. The subject's own stream (`ps_...`, where erasures are recorded) is no record of
them. The table is the service's event store (`events`) or, for a service that only reads the
log, its copy of it (reporting's `log`): both have `stream_id`, `type`, `recorded_at`, `body`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import business_date
from shared.personal.erasure import Holding

KIND_OF_TYPE = {"LicenceIssued": "licence", "DenialRegistered": "denial"}


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


async def holdings_of(session: AsyncSession, table: Table, subjects: Iterable[str]
                      ) -> list[Holding]:
    """The records `table` holds about each of `subjects` (none for a subject it never saw)."""
    found: list[Holding] = []
    for subject in sorted(set(subjects)):
        named = table.c.body.contains(f'"{subject}"', autoescape=True)
        naming = (select(table.c.stream_id)
                  .where(named, ~table.c.stream_id.startswith("ps_", autoescape=True))
                  .distinct().scalar_subquery())
        rows = await session.execute(select(table.c.stream_id, table.c.type,
                                            table.c.recorded_at)
                                     .where(table.c.stream_id.in_(naming)))
        streams: dict[str, tuple[str, dt.datetime]] = {}
        for stream_id, kind_type, recorded_at in rows:
            kind, last = streams.get(stream_id, ("application", _aware(recorded_at)))
            kind = KIND_OF_TYPE.get(kind_type, kind) if kind == "application" else kind
            streams[stream_id] = (kind, max(last, _aware(recorded_at)))
        found.extend(Holding(subject, kind, business_date(last))
                     for _stream, (kind, last) in sorted(streams.items()))
    return found
