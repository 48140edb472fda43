"""One application's trace, followed by its id through the logs of three services."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import nats

from licensing.nats_server import free_port
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
        tmp_path: Path, nats_server: NatsServer) -> None:
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url) as intake:
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

