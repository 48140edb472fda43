"""The reports beside the annual one over HTTP (monthly overviews, the EU and ATT submissions),
and a confidential licence withheld, released, and still withheld as of before its release."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.harness import NatsServer, RunningService, auth
from tests.reporting.history import History
from tests.reporting.running import REPORTER, caught_up, publish


async def test_monthly_overview_and_submissions_as_json_and_csv(
        reporting: RunningService, nats_server: NatsServer) -> None:
    h = History()
    number = h.decide(h.submit(destinations=("NO",), goods=(("ML6", "900.00"), ("ML5", "100.00"))),
                      decided_at="2024-03-05T10:00:00Z")
    h.decide(h.submit(destinations=("IN",)), "denied", criteria=(2,),
             decided_at="2024-03-06T10:00:00Z")
    await publish(nats_server.url, h.envelopes)
    await caught_up(reporting, len(h.envelopes))
    c = reporting.client
    monthly = await c.get("/v1/reports/monthly/2024/3", headers=REPORTER)
    assert monthly.status_code == 200, monthly.text
    assert [r["licence_number"] for r in monthly.json()["licences"]] == [number]
    csv = await c.get("/v1/reports/monthly/2024/3", params={"format": "csv"}, headers=REPORTER)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("licence_number,decided_on,regime")
    assert number in csv.text
    empty = await c.get("/v1/reports/monthly/2024/4", params={"format": "csv"},
                        headers=REPORTER)
    assert empty.text.startswith("licence_number,") and len(empty.text.splitlines()) == 1

    eu = (await c.get("/v1/reports/submissions/eu/2024", headers=REPORTER)).json()
    annual = (await c.get("/v1/reports/annual/2024", headers=REPORTER)).json()
    assert sum(Decimal(r["value_eur"]) for r in eu["rows"]) == Decimal(
        annual["military"]["summary"][0]["total_value_eur"])
    assert {(r["destination"], r["denials"], tuple(r["criteria"])) for r in eu["rows"]
            if r["denials"]} == {("IN", 1, (2,))}
    att = await c.get("/v1/reports/submissions/att/2024", params={"format": "csv"},
                      headers=REPORTER)
    assert att.status_code == 200
    assert "NO,armoured_combat_vehicles_battle_tanks,ML6,1,2,900.00" in att.text

    for bad in ("/v1/reports/monthly/2024/13", "/v1/reports/monthly/1800/1",
                "/v1/reports/submissions/eu/99999"):
        r = await c.get(bad, headers=REPORTER)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await c.get("/v1/reports/submissions/att/2024")).status_code == 401
    assert (await c.get("/v1/reports/monthly/2024/3",
                        headers=auth("customs"))).status_code == 403
    paths = (await c.get("/openapi.json")).json()["paths"]
    for path in ("/v1/reports/monthly/{year}/{month}", "/v1/reports/submissions/eu/{year}",
                 "/v1/reports/submissions/att/{year}"):
        answers = paths[path]["get"]["responses"]
        assert {"200", "401", "403", "422"} <= set(answers)
        assert "text/csv" in answers["200"]["content"]


async def test_a_confidential_licence_is_withheld_then_released_and_as_of_keeps_it_out(
        reporting: RunningService, nats_server: NatsServer) -> None:
    h = History()
    h.decide(h.submit(destinations=("US",), goods=(("ML6", "1000.00"),)))
    secret = h.decide(h.submit(destinations=("UA",), goods=(("ML6", "500.00"),)))
    assert secret
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date()
    # Released yesterday: today's report holds it; as of two days ago it was still withheld.
    h.clock = dt.datetime.combine(yesterday - dt.timedelta(days=30), dt.time(9), dt.UTC)
    h.confidential(secret, release_on=yesterday.isoformat())
    await publish(nats_server.url, h.envelopes)
    await caught_up(reporting, len(h.envelopes))
    now = (await reporting.client.get("/v1/reports/annual/2024", headers=REPORTER)).json()
    assert now["withheld_confidential"] == 0
    assert now["military"]["summary"][0]["total_value_eur"] == "1500.00"
    moment = dt.datetime.combine(yesterday - dt.timedelta(days=1), dt.time(12), dt.UTC)
    then = (await reporting.client.get("/v1/reports/annual/2024", headers=REPORTER,
                                       params={"as_of": moment.isoformat()})).json()
    assert then["withheld_confidential"] == 1
    assert then["military"]["summary"][0]["total_value_eur"] == "1000.00"
    html = await reporting.client.get("/v1/reports/annual/2024", headers=REPORTER,
                                      params={"as_of": moment.isoformat(), "format": "html",
                                              "lang": "en"})
    assert "1 confidential licence(s) of this year are withheld" in html.text
