"""Reporting's reads: the report (live or as of a moment) in its formats, one licence's
lifecycle from the log, and where the projections stand."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import nats
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.db import facts as facts_table
from services.reporting.db import log as log_table
from services.reporting.db import projection_state
from services.reporting.domain.applications import Reference
from services.reporting.domain.facts import Facts, evolve
from services.reporting.domain.monthly import monthly_overview
from services.reporting.domain.reading import read_envelope
from services.reporting.domain.report import TABLES, build_report, table
from services.reporting.domain.submissions import att_submission, eu_submission
from services.reporting.handlers.rebuild import Rebuilder
from services.reporting.render import to_csv, to_html
from services.reporting.schemas import (
    LastRebuild,
    ProjectionStatus,
    StreamView,
    UnreadableMessage,
)
from services.reporting.sources import Sources
from shared.bus import Bus
from shared.clock import business_date, today
from shared.contracts import REGISTRY, UnusableEvent
from shared.envelope import Envelope
from shared.errors import FieldError, Invalid, NotFound, Unavailable
from shared.eventlog import read_stream
from shared.personal.access import log_access, opened_subjects
from shared.personal.vault import Vault
from shared.service import Runtime

RETRY_AFTER = 2  # seconds a caller waits before asking again while NATS is away


def csv_table(fmt: str, name: str | None) -> str | None:
    """The table a CSV answer is of: required with format=csv, and one of TABLES."""
    if fmt != "csv":
        return None
    if name is None:
        detail = "format=csv needs table=<name>"
        raise Invalid(f"{detail}; tables: {', '.join(TABLES)}", code="table-required",
                      errors=[FieldError(("query", "table"), detail)], tables=list(TABLES))
    if name not in TABLES:
        detail = f"there is no table {name!r}"
        raise NotFound(f"{detail}; tables: {', '.join(TABLES)}", code="unknown-table",
                       tables=list(TABLES),
                       errors=[FieldError(("query", "table"), detail).as_dict()])
    return name


async def current_facts(session: AsyncSession) -> Facts:
    """The facts of the generation that serves."""
    active = (await session.execute(
        select(projection_state.c.active).where(projection_state.c.id == 1))).scalar_one()
    rows = await session.execute(
        select(facts_table.c.kind, facts_table.c.key, facts_table.c.body)
        .where(facts_table.c.generation == active))
    return {(kind, key): json.loads(body) for kind, key, body in rows}


async def facts_as_of(session: AsyncSession, as_of: dt.datetime) -> Facts:
    """The facts as they stood at `as_of`: the kept log up to that recorded time, replayed."""
    facts: Facts = {}
    rows = await session.execute(
        select(log_table.c.body).where(log_table.c.recorded_at <= as_of.astimezone(dt.UTC)))
    for body in rows.scalars():
        evolve(facts, json.loads(body))
    return facts


async def _facts(sessions: async_sessionmaker[AsyncSession],
                 as_of: dt.datetime | None) -> Facts:
    async with sessions() as session:
        if as_of is None:
            return await current_facts(session)
        return await facts_as_of(session, as_of)


def _stand(as_of: dt.datetime | None) -> tuple[str | None, dt.date]:
    """A report's `as_of` text, and the day confidential licences are judged on: the business
    day of the moment asked for, or today."""
    if as_of is None:
        return None, today()
    return as_of.astimezone(dt.UTC).isoformat(), business_date(as_of)


async def report_document(sessions: async_sessionmaker[AsyncSession], ref: Reference,
                          sources: Sources, year: int, as_of: dt.datetime | None
                          ) -> dict[str, Any]:
    """The annual report for `year`: live facts, or the log replayed up to `as_of`."""
    facts = await _facts(sessions, as_of)
    moment, on = _stand(as_of)
    return await asyncio.to_thread(build_report, year, facts, ref, as_of=moment, on=on,
                                   published=sources.published,
                                   eu_consultations=sources.eu_consultations)


async def monthly_document(sessions: async_sessionmaker[AsyncSession], sources: Sources,
                           year: int, month: int, as_of: dt.datetime | None) -> dict[str, Any]:
    """The monthly overview of licences issued in `year`-`month`."""
    facts = await _facts(sessions, as_of)
    moment, on = _stand(as_of)
    return await asyncio.to_thread(monthly_overview, year, month, facts, on=on,
                                   policies=sources.policies, as_of=moment)


async def submission_document(sessions: async_sessionmaker[AsyncSession], kind: str, year: int,
                              as_of: dt.datetime | None) -> dict[str, Any]:
    """The EU (`eu`) or Arms Trade Treaty (`att`) submission for `year`."""
    facts = await _facts(sessions, as_of)
    moment, on = _stand(as_of)
    build = eu_submission if kind == "eu" else att_submission
    return await asyncio.to_thread(build, year, facts, on=on, as_of=moment)


def rows_csv(name: str, rows: list[dict[str, Any]]) -> str:
    """Rows of a monthly overview or a submission as CSV."""
    return to_csv(name, rows)


def render_json(doc: dict[str, Any]) -> bytes:
    """The JSON text of a report: the same document always gives the same bytes."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def render_csv(doc: dict[str, Any], name: str) -> str:
    """One table of the report as CSV; KeyError for a table there is not."""
    return to_csv(name, table(doc, name))


async def render_html(doc: dict[str, Any], lang: str = "nl") -> str:
    """The readable report with charts in `lang` (nl or en), drawn off the event loop."""
    tables = {name: table(doc, name) for name in TABLES}
    return await asyncio.to_thread(to_html, doc, tables, lang=lang)


def _log_unavailable(detail: str) -> Unavailable:
    return Unavailable(detail, retry_after=RETRY_AFTER, code="event-log-unavailable")


async def stream_view(bus: Bus, stream_id: str, *, vault: Vault | None = None,
                      reader: str | None = None) -> StreamView:
    """Every service's events on one stream id, in log order, from JetStream: each event once
    (a message published again under another id is the same event), and each message no
    contract reads named instead of shown.

    With `vault` the personal fields are opened while their keys exist (an erased one reads
    `[erased]`), and the read is logged as a read of those people's data by `reader`."""
    if not bus.connected or bus.js is None:
        raise _log_unavailable("NATS is not reachable right now")
    try:
        messages = await read_stream(bus.js, bus.stream, stream_id)
    except (nats.errors.Error, TimeoutError) as exc:
        raise _log_unavailable(f"reading the log failed: {exc}") from exc
    events: list[Envelope] = []
    unreadable: list[UnreadableMessage] = []
    seen: set[str] = set()
    for message in messages:
        try:
            envelope = read_envelope(message.data)
        except UnusableEvent as exc:
            unreadable.append(UnreadableMessage(sequence=message.sequence,
                                                subject=message.subject, reason=str(exc)))
            continue
        if envelope.event_id not in seen:
            seen.add(envelope.event_id)
            events.append(envelope)
    if not events and not unreadable:
        raise NotFound(f"no events for stream {stream_id}")
    if vault is not None:
        events = await vault.open_envelopes(events)
        log_access(principal=reader or "unknown", route=f"/v1/streams/{stream_id}",
                   subjects=_shown_subjects(events))
    return StreamView(stream_id=stream_id, events=events, unreadable=unreadable)


def _shown_subjects(events: list[Envelope]) -> set[str]:
    shown: set[str] = set()
    for env in events:
        try:
            shown |= opened_subjects(REGISTRY.parse(env).payload)
        except UnusableEvent:
            continue
    return shown


async def projection_status(runtime: Runtime, rebuilder: Rebuilder) -> ProjectionStatus:
    """Status, position, lag and speed of the projections, and the last rebuild's figures."""
    async with runtime.sessions() as session:
        state = (await session.execute(
            select(projection_state).where(projection_state.c.id == 1))).one()
    last_seq: int | None = None
    bus = runtime.bus
    if bus.connected and bus.js is not None:
        try:
            last_seq = int((await bus.js.stream_info(bus.stream)).state.last_seq)
        except (nats.errors.Error, TimeoutError):
            last_seq = None
    p = rebuilder.progress
    position: int | None
    if rebuilder.rebuilding:
        position = p.position
        lag = (last_seq - position) if last_seq is not None else None
        rate = round(p.events_per_second, 1)
    else:
        lag = await runtime.consumers[0].lag() if runtime.consumers else None
        position = (last_seq - lag) if last_seq is not None and lag is not None else None
        rate = 0.0
    return ProjectionStatus(
        status="rebuilding" if rebuilder.rebuilding else "idle", position=position, lag=lag,
        events_per_second=rate, generation=int(state.active), building=state.building,
        log_last_seq=last_seq, events_replayed=p.events, target=p.target or None,
        started_at=p.started_at, error=p.error, skipped=p.skipped,
        skipped_sequences=list(p.skipped_sequences),
        last_rebuild=LastRebuild(**p.last) if p.last else None,
        rebuilt_at=state.rebuilt_at.isoformat() if state.rebuilt_at else None)
