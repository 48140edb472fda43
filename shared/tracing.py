"""W3C trace context from an HTTP request, through the outbox, to every consumer and beyond.

Each request gets a server span (a child of its `traceparent` header when it has one). An event
appended under a span is published with that span's `traceparent` as a NATS header; a consumer
handles it under a span that is a child of that header, so the events its handler appends carry
the same trace on. Spans are exported to the console or over OTLP when configured
(LICENSING_OTEL_EXPORTER=console|otlp, or OTEL_EXPORTER_OTLP_ENDPOINT), and nowhere otherwise:
they then still give every log line its trace id.

The outbox table has no column for headers, so the relay keeps the trace context of the rows
this process inserted in memory until it publishes them. After a restart the rows left over go
out without a `traceparent`, and their trace starts anew at the consumer.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import Table, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from shared import logs
from shared.envelope import Envelope

log = logging.getLogger(__name__)

TRACEPARENT = "traceparent"
EXPORTER_ENV = "LICENSING_OTEL_EXPORTER"
EXPORTERS = ("console", "otlp", "none")
TRACER = "licensing"
# Stateless, and costly enough to build that a request should not build its own.
PROPAGATOR = TraceContextTextMapPropagator()


def exporter_setting() -> str:
    """The span exporter asked for: LICENSING_OTEL_EXPORTER, else otlp when an OTLP endpoint
    is configured, else none."""
    value = os.environ.get(EXPORTER_ENV, "").strip().lower()
    if not value:
        endpoint = (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                    or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
        value = "otlp" if endpoint else "none"
    if value not in EXPORTERS:
        raise ValueError(f"{EXPORTER_ENV} must be one of {', '.join(EXPORTERS)}, not {value!r}")
    return value


class _Provider(TracerProvider):
    """The SDK's provider, knowing whether its spans go anywhere."""

    def __init__(self, resource: Resource, *, exporting: bool) -> None:
        super().__init__(resource=resource)
        self.exporting = exporting


def exporting() -> bool:
    """Whether spans are exported: if not, attributes that only an exporter reads are skipped
    (spans still give log lines their trace and span ids, and travel in traceparent)."""
    return bool(getattr(trace.get_tracer_provider(), "exporting", True))


def install(service: str) -> None:
    """Give the process an SDK tracer provider (once; later calls keep the first).

    Without one, OpenTelemetry's API makes no spans of its own and a request without a
    `traceparent` would have no trace id to log.
    """
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    exporter = exporter_setting()
    provider = _Provider(Resource.create({"service.name": service}),
                         exporting=exporter != "none")
    if exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif exporter == "otlp":
        # Reads OTEL_EXPORTER_OTLP_ENDPOINT (and the other OTEL_EXPORTER_OTLP_* settings).
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def tracer() -> trace.Tracer:
    """The tracer of this code base (resolves to the installed provider); costly to get, so
    kept by whoever starts spans."""
    return trace.get_tracer(TRACER)


def extract(headers: Mapping[str, str] | None) -> Context:
    """The trace context a `traceparent` (and `tracestate`) header carries; empty if none."""
    return PROPAGATOR.extract(dict(headers or {}))


def current_headers() -> dict[str, str]:
    """The `traceparent` (and `tracestate`) of the current span; empty outside one."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier


def trace_id(span: Span | None = None) -> str | None:
    """The trace id of a span (default: the current one) as 32 hex digits, if it has one."""
    context = (span or trace.get_current_span()).get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


@contextmanager
def server_span(tracer: trace.Tracer, scope: Mapping[str, Any]) -> Iterator[Span]:
    """A server span for one ASGI HTTP request, a child of its `traceparent` if it has one."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1")
               for k, v in scope.get("headers", ())
               if k.lower() in (b"traceparent", b"tracestate")}
    attributes = ({"http.request.method": scope["method"], "url.path": scope.get("path", "")}
                  if exporting() else None)
    with tracer.start_as_current_span(scope["method"], context=extract(headers),
                                      kind=SpanKind.SERVER, attributes=attributes) as span:
        yield span


def finish_server_span(span: Span, method: str, route: str, status: int) -> None:
    """Name the span by its route and record the status, once the request is answered."""
    if exporting():
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


@dataclass
class _Pending:
    """Outbox rows inserted in a connection's open transaction, with its savepoint marks."""

    rows: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    marks: list[int] = field(default_factory=list)


class OutboxTraces:
    """The trace context of each event this process appended, kept until it is published.

    It watches the engine for inserts into the outbox table, noting each row's event id with
    the `traceparent` of the span the insert ran under; rows count once their transaction
    commits (a savepoint or transaction rolled back takes its rows with it).
    """

    def __init__(self, outbox: Table, *, limit: int = 100_000) -> None:
        self.outbox = outbox
        # Rows of transactions that committed but were never published by this process (the
        # relay of another replica took them) would pile up: keep only the newest `limit`.
        self.limit = limit
        self.appended = 0
        self._headers: dict[str, dict[str, str]] = {}

    @classmethod
    def watching(cls, outbox: Table, sessions: async_sessionmaker[AsyncSession]
                 ) -> OutboxTraces:
        """Watch the engine the sessions are bound to."""
        traces = cls(outbox)
        bind = sessions.kw.get("bind")
        if bind is not None:
            engine = bind.sync_engine
            event.listen(engine, "before_execute", traces._inserted)
            event.listen(engine, "begin", traces._begun)
            event.listen(engine, "commit", traces._committed)
            event.listen(engine, "rollback", traces._rolled_back)
            event.listen(engine, "savepoint", traces._savepoint)
            event.listen(engine, "release_savepoint", traces._released)
            event.listen(engine, "rollback_savepoint", traces._rolled_back_to)
        return traces

    def headers(self, event_id: str) -> dict[str, str]:
        """The trace headers to publish an event with (none if it was appended elsewhere)."""
        return self._headers.get(event_id, {})

    def forget(self, event_ids: Iterable[str]) -> None:
        """Drop what was kept for events now published."""
        for event_id in event_ids:
            self._headers.pop(event_id, None)

    def _pending(self, conn: Connection) -> _Pending:
        pending = conn.info.get(self)
        if pending is None:
            pending = conn.info[self] = _Pending()
        return pending

    def _inserted(self, conn: Connection, clause: Any, multiparams: Any, params: Any,
                  _options: Any) -> None:
        if not isinstance(clause, Insert) or clause.table is not self.outbox:
            return
        rows = multiparams if multiparams else [params]
        carrier = current_headers()
        self._pending(conn).rows.extend(
            (str(row["event_id"]), carrier) for row in rows
            if isinstance(row, Mapping) and "event_id" in row)

    def _begun(self, conn: Connection) -> None:
        conn.info.pop(self, None)

    def _committed(self, conn: Connection) -> None:
        pending: _Pending | None = conn.info.pop(self, None)
        if pending is None:
            return
        self.appended += len(pending.rows)
        for event_id, carrier in pending.rows:
            if carrier:
                self._headers[event_id] = carrier
        while len(self._headers) > self.limit:
            del self._headers[next(iter(self._headers))]

    def _rolled_back(self, conn: Connection) -> None:
        conn.info.pop(self, None)

    def _savepoint(self, conn: Connection, _name: Any) -> None:
        pending = self._pending(conn)
        pending.marks.append(len(pending.rows))

    def _released(self, conn: Connection, _name: Any, _context: Any) -> None:
        pending = self._pending(conn)
        if pending.marks:
            pending.marks.pop()

    def _rolled_back_to(self, conn: Connection, _name: Any, _context: Any) -> None:
        pending = self._pending(conn)
        if pending.marks:
            del pending.rows[pending.marks.pop():]


# How a log line says what became of a message.
_SAID = {"processed": "handled", "dead": "dead-lettered"}


@dataclass
class _Delivery:
    span: Span
    envelope: Envelope


class Deliveries:
    """The spans of the messages one consumer is handling, each a child of its message's
    `traceparent`; each ends, with a log line, when its message is acked, retried or dead."""

    def __init__(self, consumer: str, service: str) -> None:
        self.consumer = consumer
        self.service = service
        self.tracer = tracer()
        self._by_message: dict[str, _Delivery] = {}
        self._by_event: dict[str, _Delivery] = {}

    @staticmethod
    def _key(msg: Msg) -> str:
        # The reply subject is the ack subject: one per delivery of one message.
        return msg.reply or str(id(msg))

    def begin(self, msg: Msg, env: Envelope) -> None:
        """Start the span of one delivered event."""
        attributes = {"messaging.system": "nats", "messaging.destination.name": msg.subject,
                      "messaging.consumer.group.name": self.consumer,
                      "messaging.message.id": env.event_id,
                      "licensing.correlation_id": env.correlation_id} if exporting() else None
        span = self.tracer.start_span(f"{self.consumer} {env.type}", context=extract(msg.headers),
                                      kind=SpanKind.CONSUMER, attributes=attributes)
        delivery = _Delivery(span, env)
        self._by_message[self._key(msg)] = delivery
        self._by_event.setdefault(env.event_id, delivery)

    @contextmanager
    def handling(self, env: Envelope) -> Iterator[None]:
        """Run a handler under its event's span, its log lines carrying the event's ids."""
        delivery = self._by_event.get(env.event_id)
        with self._current(delivery.span if delivery else None, env):
            yield

    @contextmanager
    def _current(self, span: Span | None, env: Envelope) -> Iterator[None]:
        token = otel_context.attach(trace.set_span_in_context(span)) if span else None
        try:
            with logs.bound(service=self.service, consumer=self.consumer,
                            event_id=env.event_id, correlation_id=env.correlation_id):
                yield
        finally:
            if token is not None:
                otel_context.detach(token)

    def finish(self, msgs: Sequence[Msg], outcome: str) -> None:
        """End the spans of messages acked ("processed"), to be redelivered or dead-lettered."""
        for msg in msgs:
            delivery = self._by_message.pop(self._key(msg), None)
            if delivery is None:
                continue
            env = delivery.envelope
            if self._by_event.get(env.event_id) is delivery:
                del self._by_event[env.event_id]
            level = {"processed": logging.INFO, "dead": logging.WARNING}.get(outcome,
                                                                            logging.DEBUG)
            if log.isEnabledFor(level):
                with self._current(delivery.span, env):
                    log.log(level, "%s %s %s by %s", env.type, env.event_id,
                            _SAID.get(outcome, outcome), self.consumer)
            if exporting():
                delivery.span.set_attribute("licensing.outcome", outcome)
            if outcome == "dead":
                delivery.span.set_status(Status(StatusCode.ERROR, "dead-lettered"))
            delivery.span.end()

    def abandon(self) -> None:
        """End the spans of a batch that was interrupted (NATS went away before the acks)."""
        for delivery in self._by_message.values():
            delivery.span.set_attribute("licensing.outcome", "interrupted")
            delivery.span.end()
        self._by_message.clear()
        self._by_event.clear()
