"""Golden test: a fixed 2024 driven over HTTP gives exactly the expected annual report.

Rebuilding the projections reproduces it byte for byte, and `as_of` before a late correction
gives the report without it. Set LICENSING_UPDATE_GOLDEN=1 to rewrite the expected JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import System, wait_until

GOLDEN = Path(__file__).parent.parent / "reporting" / "golden" / "annual_2024.json"
GOLDEN_AS_OF = GOLDEN.with_name("annual_2024_before_correction.json")


def application(ref: str, **fields: Any) -> dict[str, Any]:
    dest = fields.get("destinations", ["UA"])[0]
    body: dict[str, Any] = {
        "reference": ref, "received_at": "2024-02-01T09:00:00+01:00", "regime": "military",
        "transaction": "export", "licence_type": "individual",
        "applicant": {"name": "Acme Defence BV", "eori": "NL123456789"},
        "destinations": [dest], "end_user": {"name": f"Armed Forces {dest}", "country": dest,
                                             "type": "armed_forces"},
        "consignee": {"name": f"Depot {dest}", "country": dest},
        "end_use": "national defence",
        "goods": [{"description": "armoured vehicle", "rating": "ML6", "quantity": 2,
                   "value_eur": "1000000.00"}],
    }
    body.update(fields)
    return body


def submit(customs: httpx.Client, body: dict[str, Any]) -> str:
    r = customs.post("/v1/applications", json=body, headers={"Idempotency-Key": body["reference"]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def decide(assessor: httpx.Client, app_id: str, outcome: str, decided_at: str,
           criteria: list[int] | None = None) -> None:
    wait_until(lambda: assessor.get(f"/v1/cases/{app_id}").status_code == 200, timeout=30)
    body: dict[str, Any] = {"outcome": outcome, "note": "golden", "decided_at": decided_at}
    if criteria:
        body["criteria"] = criteria
    deadline = time.monotonic() + 30
    while True:
        r = assessor.post(f"/v1/cases/{app_id}/decision", json=body)
        if r.status_code != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert r.status_code == 200, r.text


def caught_up(reporting: httpx.Client) -> None:
    def check() -> bool:
        status = reporting.get("/v1/projections/status").json()
        return status["lag"] == 0 and status["status"] == "idle"
    wait_until(check, timeout=30)


def settled(reporting: httpx.Client, params: dict[str, str] | None = None) -> bytes:
    """The report once two reads a moment apart agree (every service's events are in)."""
    previous = b""
    for _ in range(60):
        caught_up(reporting)
        body = reporting.get("/v1/reports/annual/2024", params=params).content
        if body == previous:
            return body
        previous = body
        time.sleep(0.5)
    return previous


def check_golden(path: Path, body: bytes) -> None:
    doc = json.loads(body)
    if os.environ.get("LICENSING_UPDATE_GOLDEN"):
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    assert doc == json.loads(path.read_text())


def test_fixed_year_gives_the_golden_report_rebuilt_byte_for_byte(system: System) -> None:
    customs = system.client("intake", "customs")
    assessor = system.client("assessment", "assessor", "mfa")
    reporting = system.client("reporting", "reporter", "admin")
    ua = submit(customs, application("G-1", goods=[
        {"description": "armoured vehicle", "rating": "ML6", "quantity": 2,
         "value_eur": "1000000.00"},
        {"description": "rifles", "rating": "ML1", "quantity": 100, "value_eur": "250000.00"}]))
    decide(assessor, ua, "approve", "2024-03-01T10:00:00+01:00")
    group = submit(customs, application("G-2", licence_type="global", destinations=["DE", "FR"],
                                        destination_group="EU_NATO_PLUS", goods=[
        {"description": "radar", "rating": "ML5", "quantity": 3, "value_eur": "500000.00"}]))
    decide(assessor, group, "approve", "2024-03-02T10:00:00+01:00")
    various = submit(customs, application("G-3", destinations=["IN", "SA"], goods=[
        {"description": "missiles", "rating": "ML4", "quantity": 10, "value_eur": "2000000.00"}]))
    decide(assessor, various, "deny", "2024-04-01T10:00:00+02:00", [2, 7])
    sondage = submit(customs, application("G-4", procedure="sondage", destinations=["EG"]))
    decide(assessor, sondage, "deny", "2024-04-02T10:00:00+02:00", [2])
    temporary = submit(customs, application("G-5", purpose="temporary", destinations=["US"]))
    decide(assessor, temporary, "approve", "2024-04-03T10:00:00+02:00")
    transit = submit(customs, application("G-6", transaction="transit", destinations=["NO"],
                                          origins=["US"], goods=[
        {"description": "rockets", "rating": "ML4", "quantity": 5, "value_eur": "300000.00"}]))
    decide(assessor, transit, "approve", "2024-05-01T10:00:00+02:00")
    broker = submit(customs, application("G-7", transaction="brokering", destinations=["IN"],
                                         origins=["IL"], service_value_eur="25000.00", goods=[
        {"description": "drones", "rating": "ML10c", "quantity": 4, "value_eur": "9000000.00"}]))
    decide(assessor, broker, "approve", "2024-05-02T10:00:00+02:00")
    dual = submit(customs, application("G-8", regime="dual_use", destinations=["CN"], goods=[
        {"description": "frequency changers", "rating": "3A001", "quantity": 5,
         "value_eur": "400000.00"}]))
    decide(assessor, dual, "approve", "2024-06-01T10:00:00+02:00")
    at = submit(customs, application("G-9", regime="anti_torture", destinations=["BR"],
                                     end_use="riot control by police", goods=[
        {"description": "tear gas", "rating": "III.2.1", "annex": "III", "quantity": 50,
         "value_eur": "80000.00"}]))
    decide(assessor, at, "approve", "2024-06-02T10:00:00+02:00")
    number = wait_until(lambda: customs.get(f"/v1/applications/{ua}").json().get(
        "licence_number"), timeout=30)
    ext = submit(customs, application(
        "G-10", amends={"licence_number": number, "kind": "extension"}, goods=[
            {"description": "armoured vehicle", "rating": "ML6", "quantity": 2,
             "value_eur": "1250000.00"},
            {"description": "rifles", "rating": "ML1", "quantity": 100,
             "value_eur": "250000.00"}]))
    decide(assessor, ext, "approve", "2024-09-01T10:00:00+02:00")
    before_correction = settled(reporting)
    moment = dt.datetime.now(dt.UTC).isoformat()
    time.sleep(0.05)
    # A late correction: a 2024 decision recorded afterwards.
    late = submit(customs, application("G-11", destinations=["GB"], goods=[
        {"description": "aircraft parts", "rating": "ML10", "quantity": 1,
         "value_eur": "700000.00"}]))
    decide(assessor, late, "approve", "2024-06-15T10:00:00+02:00")
    live = settled(reporting)
    assert live != before_correction
    check_golden(GOLDEN, live)
    r = reporting.post("/v1/projections/rebuild")
    assert r.status_code == 202
    generation = r.json()["generation"]
    wait_until(lambda: reporting.get("/v1/projections/status").json()["generation"]
               > generation, timeout=60)
    assert reporting.get("/v1/reports/annual/2024").content == live
    then = reporting.get("/v1/reports/annual/2024", params={"as_of": moment})
    assert then.status_code == 200
    assert {**then.json(), "as_of": None} == json.loads(before_correction)
    check_golden(GOLDEN_AS_OF, before_correction)
