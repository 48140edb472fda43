"""One application's trace, followed by its id through the logs of three services."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path
from typing import Any

import nats
from sqlalchemy import MetaData, insert

from licensing.nats_server import free_port
from shared import tracing
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.store_tables import add_store_tables
from shared.tracing import OutboxTraces
from tests.harness import NatsServer, auth, eventually, run_service
from tests.intake.conftest import application
from tests.observe.conftest import Lines

TRACE_ID = uuid.uuid4().hex
PARENT_SPAN = uuid.uuid4().hex[:16]
CUSTOMS = auth("customs", sub="customs-system")


async def test_a_trace_goes_from_intake_post_to_assessment_case_to_reporting_fact(
        tmp_path: Path, nats_server: NatsServer, log_lines: Lines) -> None:
    for name in ("intake", "assessment", "reporting"):
        (tmp_path / name).mkdir()
    async with (run_service("intake", data_dir=tmp_path / "intake",
                            nats_url=nats_server.url) as intake,
                # Screening finds no denials service (none listens there): the case opens
                # all the same, its screening pending.
                run_service("assessment", data_dir=tmp_path / "assessment",
                            nats_url=nats_server.url,
                            denials_url=f"http://127.0.0.1:{free_port()}") as _assessment,
                run_service("reporting", data_dir=tmp_path / "reporting",
                            nats_url=nats_server.url) as _reporting):
        response = await intake.client.post(
            "/v1/applications", json=application(),
            headers={**CUSTOMS, "Idempotency-Key": str(uuid.uuid4()),
                     "traceparent": f"00-{TRACE_ID}-{PARENT_SPAN}-01"})
        assert response.status_code == 201, response.text
        app_id = response.json()["id"]

        def seen(service: str, message: str) -> Any:
            return [line for line in log_lines.with_trace(TRACE_ID)
                    if line.get("service") == service and message in line["message"]]

        async def followed() -> bool:
            return bool(seen("reporting", "CaseOpened"))

        await eventually(followed, timeout=30)

    post = seen("intake", "POST /v1/applications 201")
    assert len(post) == 1
    assert post[0]["http_route"] == "/v1/applications"
    case = seen("assessment", f"case {app_id} opened")
    assert len(case) == 1
    assert case[0]["correlation_id"] and case[0]["event_id"]
    facts = seen("reporting", "handled by reporting")
    assert {line["message"].split()[0] for line in facts} >= {"ApplicationSubmitted",
                                                               "CaseOpened"}
    # Every span of the trace is a new one: the incoming span is only their ancestor.
    spans = {line["span_id"] for line in log_lines.with_trace(TRACE_ID)}
    assert PARENT_SPAN not in spans and len(spans) >= 4


async def test_the_relay_publishes_each_event_with_the_traceparent_of_its_command(
        tmp_path: Path, nats_server: NatsServer, db_url: str) -> None:
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url,
                           db=db_url) as intake:
        response = await intake.client.post(
            "/v1/applications", json=application(),
            headers={**CUSTOMS, "Idempotency-Key": str(uuid.uuid4()),
                     "traceparent": f"00-{TRACE_ID}-{PARENT_SPAN}-01"})
        assert response.status_code == 201, response.text
        untraced = await intake.client.post(
            "/v1/applications", json=application(),
            headers={**CUSTOMS, "Idempotency-Key": str(uuid.uuid4())})
        assert untraced.status_code == 201, untraced.text
        ids = {response.json()["id"]: TRACE_ID, untraced.json()["id"]: None}

        async def published() -> bool:
            return bool(intake.runtime.relay.published >= 2)

        await eventually(published, timeout=15)
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe("lic.intake.>", durable=None)
        msgs = await sub.fetch(10, timeout=5)
    finally:
        await nc.close()
    traces: dict[str, str | None] = {}
    for msg in msgs:
        stream_id = msg.subject.split(".")[2]
        parent = (msg.headers or {}).get("traceparent")
        traces[stream_id] = parent.split("-")[1] if parent else None
    own = next(i for i, t in ids.items() if t == TRACE_ID)
    other = next(i for i, t in ids.items() if t is None)
    assert traces[own] == TRACE_ID
    # A request without a traceparent starts a trace of its own, carried all the same.
    assert traces[other] is not None and traces[other] != TRACE_ID



async def test_commands_committed_together_each_publish_their_own_trace(
        tmp_path: Path, nats_server: NatsServer, db_url: str) -> None:
    traces = [uuid.uuid4().hex for _ in range(20)]
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url,
                           db=db_url) as intake:

        async def post(trace_id: str) -> tuple[str, str]:
            response = await intake.client.post(
                "/v1/applications", json=application(),
                headers={**CUSTOMS, "Idempotency-Key": str(uuid.uuid4()),
                         "traceparent": f"00-{trace_id}-{PARENT_SPAN}-01"})
            assert response.status_code == 201, response.text
            return response.json()["id"], trace_id

        # Concurrent commands share group commits, each in a savepoint of its own.
        sent = dict(await asyncio.gather(*(post(t) for t in traces)))

        async def published() -> bool:
            return bool(intake.runtime.relay.published >= len(traces))

        await eventually(published, timeout=30)
        appended = intake.runtime.relay.traces.appended
    nc = await nats.connect(nats_server.url)
    try:
        sub = await nc.jetstream().pull_subscribe("lic.intake.>", durable=None)
        msgs = await sub.fetch(100, timeout=5)
    finally:
        await nc.close()
    got = {msg.subject.split(".")[2]: (msg.headers or {})["traceparent"].split("-")[1]
           for msg in msgs}
    assert got == sent
    assert appended == len(msgs)


async def test_rows_of_a_rolled_back_savepoint_leave_no_trace(tmp_path: Path) -> None:
    metadata = MetaData()
    add_store_tables(metadata)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = make_sessionmaker(engine)
    outbox = metadata.tables["outbox"]
    traces = OutboxTraces.watching(outbox, sessions)
    tracing.install("test")

    def row(event_id: str) -> dict[str, str]:
        return {"event_id": event_id, "subject": "lic.t.s.T", "body": "{}"}

    try:
        with tracing.tracer().start_as_current_span("command") as span:
            async with sessions() as session, session.begin():
                await session.execute(insert(outbox), [row("kept-1"), row("kept-2")])
                with contextlib.suppress(ValueError):
                    async with session.begin_nested():
                        await session.execute(insert(outbox), [row("undone")])
                        raise ValueError
                async with session.begin_nested():
                    await session.execute(insert(outbox), [row("kept-3")])
            with contextlib.suppress(ValueError):
                async with sessions() as session, session.begin():
                    await session.execute(insert(outbox), [row("rolled-back")])
                    raise ValueError
        own = tracing.trace_id(span)
    finally:
        await engine.dispose()
    assert traces.appended == 3
    for event_id in ("kept-1", "kept-2", "kept-3"):
        assert traces.headers(event_id)["traceparent"].split("-")[1] == own
    assert traces.headers("undone") == {} and traces.headers("rolled-back") == {}
    traces.forget(["kept-1"])
    assert traces.headers("kept-1") == {}
