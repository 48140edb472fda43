"""/metrics: a valid Prometheus exposition with latencies per route, appends, relay and
consumer lag, dead letters and group-commit sizes, and the names that were there before."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import nats

from licensing.status import METRIC
from tests.harness import NatsServer, RunningService, auth, eventually, run_service
from tests.intake.conftest import application
from tests.observe.exposition import Family, parse

CUSTOMS = auth("customs", sub="customs-system")
EXISTING = ("licensing_http_requests_total", "licensing_group_commits_total",
            "licensing_group_commit_bodies_total", "licensing_outbox_pending",
            "licensing_events_published_total", "licensing_dead_letters",
            "licensing_consumer_events_total", "licensing_consumer_lag",
            "licensing_nats_connected")


async def scrape(svc: RunningService) -> dict[str, Family]:
    """GET /metrics and parse it strictly."""
    response = await svc.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


async def submit(svc: RunningService, **changes: Any) -> int:
    """POST an application; the status code."""
    response = await svc.client.post("/v1/applications", json=application(**changes),
                                      headers={**CUSTOMS, "Idempotency-Key": str(uuid.uuid4())})
    return response.status_code


async def test_metrics_parse_and_count_what_happened(tmp_path: Path,
                                                     nats_server: NatsServer) -> None:
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url) as intake:
        assert await intake.runtime.bus.wait_connected(timeout=15)
        assert await submit(intake) == 201
        assert await submit(intake) == 201
        assert await submit(intake, goods=[]) == 422
        # A message intake's consumer cannot read is a dead letter of that consumer.
        nc = await nats.connect(nats_server.url)
        try:
            await nc.jetstream().publish("lic.assessment.x.CaseOpened", b"not json")
        finally:
            await nc.close()

        async def settled() -> dict[str, Family] | None:
            found = await scrape(intake)
            done = (found["licensing_outbox_pending"].value() == 0
                    and found["licensing_dead_letters"].value() == 1)
            return found if done else None

        metrics = await eventually(settled, timeout=15)
        text = (await intake.client.get("/metrics")).text

    for name in EXISTING:
        assert name in metrics, name
    latency = metrics["licensing_http_request_duration_seconds"]
    assert latency.kind == "histogram"
    post = {"service": "intake", "method": "POST", "route": "/v1/applications"}
    assert latency.value("licensing_http_request_duration_seconds_count", **post) == 3
    assert latency.value("licensing_http_request_duration_seconds_bucket", le="+Inf",
                         **post) == 3
    assert latency.value("licensing_http_request_duration_seconds_sum", **post) > 0
    requests = metrics["licensing_http_requests_total"]
    assert requests.value(method="POST", path="/v1/applications", status="201") == 2
    assert requests.value(method="POST", path="/v1/applications", status="422") == 1
    appended = metrics["licensing_events_appended_total"].value(service="intake")
    assert appended >= 2
    assert metrics["licensing_events_published_total"].value() == appended
    assert metrics["licensing_outbox_oldest_age_seconds"].value() == 0
    assert metrics["licensing_consumer_dead_letters"].value(consumer="intake") == 1
    assert metrics["licensing_consumer_events_total"].value(consumer="intake",
                                                            outcome="dead") == 1
    assert metrics["licensing_consumer_lag"].value(consumer="intake") == 0
    size = metrics["licensing_group_commit_size"]
    assert size.kind == "summary"
    assert size.value("licensing_group_commit_size_count") >= 1
    assert size.value("licensing_group_commit_size_sum") >= 2
    assert metrics["licensing_nats_connected"].value() == 1
    # `licensing status` still reads the lines it reads.
    read = {m.group(1) for line in text.splitlines() if (m := METRIC.match(line))}
    assert {"licensing_outbox_pending", "licensing_consumer_lag", "licensing_dead_letters",
            "licensing_nats_connected"} <= read


async def test_relay_lag_shows_the_age_of_the_oldest_unpublished_event(
        tmp_path: Path, nats_server: NatsServer) -> None:
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url) as intake:
        assert await intake.runtime.bus.wait_connected(timeout=15)
        nats_server.stop()
        assert await submit(intake) == 201

        async def waiting() -> dict[str, Family] | None:
            found = await scrape(intake)
            return found if found["licensing_outbox_oldest_age_seconds"].value() > 0.2 else None

        metrics = await eventually(waiting, timeout=15)
        assert metrics["licensing_outbox_pending"].value() >= 1
        assert metrics["licensing_nats_connected"].value() == 0
        nats_server.start()

        async def drained() -> bool:
            found = await scrape(intake)
            return (found["licensing_outbox_pending"].value() == 0
                    and found["licensing_outbox_oldest_age_seconds"].value() == 0)

        await eventually(drained, timeout=30)
