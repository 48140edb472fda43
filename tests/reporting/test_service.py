"""The reporting service over a real NATS and real databases: live, rebuilt and as_of reports."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.harness import NatsServer, RunningService, auth
from tests.reporting.consistency_check import check_consistency
from tests.reporting.generate import generate
from tests.reporting.history import History
from tests.reporting.running import ADMIN, REPORTER, caught_up, publish, rebuilt

__all__ = ["publish"]  # tests of the rendering publish through this module


async def test_rebuilt_report_equals_the_one_kept_up_to_date_on_thousands_of_events(
        reporting: RunningService, nats_server: NatsServer) -> None:
    history = generate(seed=11, applications=600)
    assert len(history.envelopes) >= 2500
    await publish(nats_server.url, history.envelopes)
    await caught_up(reporting, len(history.envelopes))
    live = {y: (await reporting.client.get(f"/v1/reports/annual/{y}", headers=REPORTER)).content
            for y in (2022, 2023, 2024)}
    status = await rebuilt(reporting, generation=2)
    assert status["last_rebuild"]["events"] == len(history.envelopes)
    for year, body in live.items():
        again = await reporting.client.get(f"/v1/reports/annual/{year}", headers=REPORTER)
        assert again.content == body
        check_consistency(again.json())


async def test_as_of_before_a_late_correction_gives_the_report_without_it(
        reporting: RunningService, nats_server: NatsServer) -> None:
    h = History()
    h.decide(h.submit(goods=(("ML6", "1000.00"),)))
    h.decide(h.submit(destinations=("IN",)), "denied", criteria=(2,))
    published_at = h.clock
    # Weeks later a decision taken in 2024 is recorded late, back-dated: a correction.
    h.clock = published_at + dt.timedelta(days=30)
    h.decide(h.submit(goods=(("ML1", "500.00"),)), decided_at="2024-06-01T10:00:00+00:00")
    await publish(nats_server.url, h.envelopes)
    await caught_up(reporting, len(h.envelopes))
    corrected = (await reporting.client.get("/v1/reports/annual/2024", headers=REPORTER)).json()
    assert corrected["military"]["summary"][0]["total_value_eur"] == "1500.00"
    moment = (published_at + dt.timedelta(days=1)).isoformat()
    r = await reporting.client.get("/v1/reports/annual/2024", params={"as_of": moment},
                                   headers=REPORTER)
    assert r.status_code == 200, r.text
    then = r.json()
    assert then["as_of"] is not None
    assert then["military"]["summary"][0] == {
        "applications": 2, "approved": 1, "approved_nato_eu_plus": 1, "denied": 1,
        "denial_rate_pct": "50.00", "total_value_eur": "1000.00"}
    # As of now, the time-travelled report is the corrected one.
    now = await reporting.client.get("/v1/reports/annual/2024", headers=REPORTER,
                                     params={"as_of": dt.datetime.now(dt.UTC).isoformat()})
    assert {**now.json(), "as_of": None} == corrected
    # A rebuild in the meantime changes nothing about either.
    await rebuilt(reporting, generation=2)
    again = await reporting.client.get("/v1/reports/annual/2024", params={"as_of": moment},
                                       headers=REPORTER)
    assert again.json() == then


async def test_csv_html_and_bad_requests(reporting: RunningService,
                                         nats_server: NatsServer) -> None:
    h = History()
    h.decide(h.submit(destinations=("DE", "IN"), goods=(("ML1", "10.00"), ("ML5", "5.00"))))
    await publish(nats_server.url, h.envelopes)
    await caught_up(reporting, len(h.envelopes))
    c = reporting.client
    r = await c.get("/v1/reports/annual/2024",
                    params={"format": "csv", "table": "military.by_destination"},
                    headers=REPORTER)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text == "destination,ML1,ML5,total_eur\nVARIOUS,10.00,5.00,15.00\n"
    r = await c.get("/v1/reports/annual/2024", params={"format": "html"}, headers=REPORTER)
    assert r.status_code == 200
    assert "<svg" in r.text and "VARIOUS" in r.text
    for external in ('src="http', "href=\"http", "<link", "<script", "@import"):
        assert external not in r.text
    same = await c.get("/v1/reports/annual/2024", params={"format": "html"}, headers=REPORTER)
    assert same.text == r.text
    bad = await c.get("/v1/reports/annual/2024", params={"format": "csv", "table": "nope"},
                      headers=REPORTER)
    assert bad.status_code == 404 and "nope" in bad.json()["detail"]
    bad = await c.get("/v1/reports/annual/2024", params={"as_of": "yesterday"},
                      headers=REPORTER)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "as_of"]
    assert (await c.get("/v1/reports/annual/99999", headers=REPORTER)).status_code == 422
    assert (await c.get("/v1/reports/annual/2024",
                        params={"format": "pdf"}, headers=REPORTER)).status_code == 422
    assert (await c.get("/v1/reports/annual/2024")).status_code == 401
    assert (await c.get("/v1/reports/annual/2024", headers=auth("customs"))).status_code == 403
    assert (await c.post("/v1/projections/rebuild", headers=REPORTER)).status_code == 403
    stream = await c.get(f"/v1/streams/{h.envelopes[0].stream_id}", headers=REPORTER)
    assert [e["type"] for e in stream.json()["events"]] == [
        "ApplicationSubmitted", "CaseOpened", "CaseDecided", "LicenceIssued"]


async def test_a_rebuild_written_in_many_chunks_while_events_arrive_equals_a_quiet_one(
        reporting: RunningService, nats_server: NatsServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from services.reporting.handlers import rebuild

    history = generate(seed=5, applications=300)
    half = len(history.envelopes) // 2
    await publish(nats_server.url, history.envelopes[:half])
    await caught_up(reporting, half)
    # Facts written out every 40 while the log is read, and the live consumer writing the
    # second half into both generations meanwhile: chunks merge with rows already there.
    monkeypatch.setattr(rebuild, "WRITE_EVERY", 40)
    r = await reporting.client.post("/v1/projections/rebuild", headers=ADMIN)
    assert r.status_code == 202, r.text
    await publish(nats_server.url, history.envelopes[half:])
    await caught_up(reporting, len(history.envelopes))
    chunked = {y: (await reporting.client.get(f"/v1/reports/annual/{y}",
                                              headers=REPORTER)).content
               for y in (2022, 2023, 2024)}
    monkeypatch.setattr(rebuild, "WRITE_EVERY", 10**9)
    await rebuilt(reporting, generation=3)
    for year, body in chunked.items():
        quiet = await reporting.client.get(f"/v1/reports/annual/{year}", headers=REPORTER)
        assert quiet.content == body
        check_consistency(quiet.json())
