"""Reporting reading the log as it is, over a real NATS and real databases: older versions
upcast, poison messages skipped and named, events published twice shown once, bad requests."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, update

from services.reporting.db import facts as facts_table
from services.reporting.db import projection_state
from services.reporting.domain.facts import FACTS_VERSION, Facts
from services.reporting.queries import current_facts
from shared.envelope import Envelope
from shared.eventstore import STREAM_ID
from tests.harness import NatsServer, RunningService, eventually, run_service
from tests.reporting.generate import generate
from tests.reporting.history import History
from tests.reporting.running import (
    ADMIN,
    REPORTER,
    caught_up,
    publish,
    publish_raw,
    rebuilt,
    reports,
)

V1_FLAG = "NL008 does not cover final destination TR"


async def facts_of(svc: RunningService) -> Facts:
    async with svc.runtime.sessions() as session:
        return await current_facts(session)


def realisation_flags(facts: Facts) -> dict[str, Any]:
    return {key: fact["reported"]["data"]["flags"] for (kind, key), fact in facts.items()
            if kind == "realisation"}


def rewritten(env: Envelope, **changes: Any) -> bytes:
    """The envelope's JSON with fields changed, under a new event id."""
    return json.dumps({**env.model_dump(mode="json"), "event_id": str(uuid.uuid4()),
                       **changes}).encode()


async def test_a_stored_v1_realisation_is_read_as_v2_live_and_in_a_rebuild(
        reporting: RunningService, nats_server: NatsServer) -> None:
    h = History()
    old = h.realise("NL008", country="US", value_eur="70.00", direction="transit",
                    flagged=True, flag=V1_FLAG, version=1)
    new = h.realise("NL003", country="DE", value_eur="30.00", flagged=True)
    assert (old.version, new.version) == (1, 2)
    await publish(nats_server.url, h.envelopes)
    await caught_up(reporting, len(h.envelopes))
    assert await reporting.runtime.dead_letter_count() == 0
    live = await facts_of(reporting)
    assert realisation_flags(live) == {
        old.stream_id: [{"code": "destination-not-covered", "text": V1_FLAG}],
        new.stream_id: [{"code": "unclassified", "text": "outside conditions"}]}
    report = await reports(reporting, (2024,))
    rows = json.loads(report[2024])["general_licences"]
    assert [(r["licence"], r["flagged"]) for r in rows] == [("NL003", True), ("NL008", True)]
    # As of now (the kept log replayed), and after a rebuild (JetStream replayed): the same.
    now = await reporting.client.get("/v1/reports/annual/2024", headers=REPORTER,
                                     params={"as_of": "2100-01-01T00:00:00Z"})
    assert {**now.json(), "as_of": None} == json.loads(report[2024])
    await rebuilt(reporting, generation=2)
    assert await facts_of(reporting) == live
    assert await reports(reporting, (2024,)) == report


async def test_poison_in_the_log_is_skipped_by_a_rebuild_that_names_it_and_equals_live(
        reporting: RunningService, nats_server: NatsServer) -> None:
    history = generate(seed=3, applications=60)
    await publish(nats_server.url, history.envelopes)
    submitted, opened, decided = history.envelopes[:3]
    assert (submitted.type, opened.type, decided.type) == (
        "ApplicationSubmitted", "CaseOpened", "CaseDecided")
    app = submitted.stream_id
    poison = [
        (f"lic.intake.{app}.ApplicationSubmitted", b"{this is not JSON"),
        (decided.subject, rewritten(decided, payload={**decided.payload, "outcome": "perhaps"})),
        (submitted.subject, rewritten(submitted, version=99)),
        (f"lic.intake.{app}.CaseOpened", rewritten(opened, source="intake")),  # unknown type
    ]
    sequences = await publish_raw(nats_server.url, poison)
    await caught_up(reporting, len(history.envelopes) + len(poison))
    assert await reporting.runtime.dead_letter_count() == len(poison)
    live_facts, live = await facts_of(reporting), await reports(reporting)

    status = await rebuilt(reporting, generation=2)
    assert status["error"] is None
    assert status["skipped"] == len(poison) and status["skipped_sequences"] == sequences
    assert status["last_rebuild"]["skipped_sequences"] == sequences
    assert await facts_of(reporting) == live_facts
    assert await reports(reporting) == live

    view = await reporting.client.get(f"/v1/streams/{app}", headers=REPORTER)
    assert view.status_code == 200, view.text
    body = view.json()
    assert [e["event_id"] for e in body["events"]] == [
        e.event_id for e in history.envelopes if e.stream_id == app]
    assert [u["sequence"] for u in body["unreadable"]] == sequences
    assert "not an event envelope" in body["unreadable"][0]["reason"]


async def test_an_event_published_again_under_a_new_message_id_counts_and_shows_once(
        reporting: RunningService, nats_server: NatsServer) -> None:
    h = History()
    app = h.submit()
    h.decide(app)
    await publish(nats_server.url, h.envelopes)
    await caught_up(reporting, len(h.envelopes))
    before = await reports(reporting, (2024,))
    # A relay retry after the de-duplication window, or a restored backup: no Nats-Msg-Id in
    # common, so JetStream keeps both copies.
    again = await publish_raw(nats_server.url, [(e.subject, e.to_json().encode())
                                                for e in h.envelopes])
    assert len(again) == len(h.envelopes)
    await caught_up(reporting, 2 * len(h.envelopes))
    view = (await reporting.client.get(f"/v1/streams/{app}", headers=REPORTER)).json()
    assert [e["event_id"] for e in view["events"]] == [e.event_id for e in h.envelopes]
    assert [e["type"] for e in view["events"]] == [
        "ApplicationSubmitted", "CaseOpened", "CaseDecided", "LicenceIssued"]
    assert view["unreadable"] == []
    assert await reports(reporting, (2024,)) == before
    await rebuilt(reporting, generation=2)
    assert await reports(reporting, (2024,)) == before


async def test_a_stream_id_ending_in_a_newline_is_no_stream_id(
        reporting: RunningService, nats_server: NatsServer) -> None:
    assert STREAM_ID.match("G\n") is None and STREAM_ID.match("G") is not None
    assert await reporting.runtime.bus.wait_connected(timeout=10)
    for bad in ("G%0A", "G%0D%0A", "G.H", "G%20"):
        r = await reporting.client.get(f"/v1/streams/{bad}", headers=REPORTER)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["loc"] == ["path", "application_id"]
    r = await reporting.client.get("/v1/streams/G", headers=REPORTER)
    assert r.status_code == 404


async def _chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 65536):
        yield b"x" * 65536


async def test_the_rebuild_takes_no_body_and_refuses_one_over_the_limit(
        reporting: RunningService, nats_server: NatsServer) -> None:
    assert await reporting.runtime.bus.wait_connected(timeout=10)
    big = 10 * 1024 * 1024
    sized = await reporting.client.post("/v1/projections/rebuild", headers=ADMIN,
                                        content=b"x" * big)
    chunked = await reporting.client.post("/v1/projections/rebuild", headers=ADMIN,
                                          content=_chunks(big))
    for r in (sized, chunked):
        assert r.status_code == 413, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    status = (await reporting.client.get("/v1/projections/status", headers=ADMIN)).json()
    assert status["status"] == "idle" and status["last_rebuild"] is None
    r = await reporting.client.post("/v1/projections/rebuild", headers=ADMIN)
    assert r.status_code == 202 and r.json()["started"] is True


async def test_reporting_keeps_no_event_store_and_says_so_when_nats_is_away(
        reporting: RunningService, nats_server: NatsServer) -> None:
    runtime = reporting.runtime
    assert await runtime.bus.wait_connected(timeout=10)
    assert runtime.records_events is False

    def tables(connection: Any) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with runtime.engine.connect() as conn:
        names = await conn.run_sync(tables)
    assert {"log", "facts", "projection_state", "inbox", "dead_letters"} <= names
    assert not names & {"events", "outbox"}
    metrics = await reporting.client.get("/metrics")
    assert metrics.status_code == 200 and "licensing_outbox_pending" not in metrics.text
    nats_server.stop()

    async def away() -> bool:
        return not runtime.bus.connected

    await eventually(away, timeout=10)
    for r in (await reporting.client.post("/v1/projections/rebuild", headers=ADMIN),
              await reporting.client.get("/v1/streams/G", headers=REPORTER)):
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "2"


async def test_facts_kept_by_older_code_are_rebuilt_once_when_the_service_starts(
        nats_server: NatsServer, db_url: str, tmp_path: Path) -> None:
    h = History()
    secret = h.decide(h.submit(destinations=("UA",), goods=(("ML6", "500.00"),)))
    assert secret
    h.confidential(secret, release_on="2999-01-01")
    await publish(nats_server.url, h.envelopes)
    async with run_service("reporting", data_dir=tmp_path, nats_url=nats_server.url,
                           db=db_url) as svc:
        await caught_up(svc, len(h.envelopes))
        # What code of FACTS_VERSION 1 kept: no confidential part (it did not read that event).
        async with svc.runtime.sessions() as session, session.begin():
            rows = (await session.execute(select(facts_table.c.key, facts_table.c.body)
                                          .where(facts_table.c.kind == "app"))).all()
            for key, body in rows:
                fact = json.loads(body)
                fact.pop("confidential", None)
                await session.execute(update(facts_table).where(facts_table.c.key == key)
                                      .values(body=json.dumps(fact)))
            await session.execute(update(projection_state).values(facts_version=None))
        old = (await svc.client.get("/v1/reports/annual/2024", headers=REPORTER)).json()
        assert old["withheld_confidential"] == 0
    async with run_service("reporting", data_dir=tmp_path, nats_url=nats_server.url,
                           db=db_url) as svc:
        async def rebuilt_by_itself() -> Any:
            status = (await svc.client.get("/v1/projections/status", headers=ADMIN)).json()
            return status["generation"] == 2 and status["status"] == "idle"

        await eventually(rebuilt_by_itself, timeout=30)
        new = (await svc.client.get("/v1/reports/annual/2024", headers=REPORTER)).json()
        assert new["withheld_confidential"] == 1
        async with svc.runtime.sessions() as session:
            version = (await session.execute(select(projection_state.c.facts_version))).scalar()
        assert version == FACTS_VERSION
    async with run_service("reporting", data_dir=tmp_path, nats_url=nats_server.url,
                           db=db_url) as svc:  # once: a third start rebuilds nothing
        assert await svc.runtime.bus.wait_connected(timeout=10)
        status = (await svc.client.get("/v1/projections/status", headers=ADMIN)).json()
        assert status["generation"] == 2 and status["status"] == "idle"
