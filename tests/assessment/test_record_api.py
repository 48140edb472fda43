"""Issues 11 and 12 over HTTP: grounds per regime, referral and advice, Ukraine's letters,
catch-all requirements, goods sanctions, investigations, confidential licences."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.clock import today
from tests.assessment.conftest import ASSESSOR, MFA, application, submit
from tests.assessment.test_cases import screened
from tests.assessment.test_dismissals_from_denials import stream
from tests.harness import RunningService

DECIDED_AT = "2024-06-03T10:00:00+00:00"


def kind(body: dict[str, Any]) -> str:
    """The kind of problem an answer names: the last part of its `type`."""
    return str(body["type"]).rsplit("/", 1)[-1]


async def test_a_ukrainian_complete_system_goes_in_a_letter_not_on_the_fast_track(
        assessment: RunningService) -> None:
    c = assessment.client
    ukraine = application(destinations=["UA"], end_user={
        "name": "Armed Forces of Ukraine", "country": "UA", "type": "armed_forces"}, goods=[
        {"description": "air defence system", "rating": "ML4", "quantity": 1,
         "value_eur": "2500000.00", "complete_system": True, "annex": None}])
    saudi = application()
    await submit(assessment, saudi)
    await submit(assessment, ukraine)
    case = await screened(assessment, ukraine["id"])
    await screened(assessment, saudi["id"])
    assert case["accelerated"] and case["routing"]["policy"]["code"] == "UA-2022"
    listed = (await c.get("/v1/cases?queue=mfa&status=open", headers=MFA)).json()["items"]
    assert [x["id"] for x in listed][:1] == [ukraine["id"]]  # accelerated first
    r = await c.post(f"/v1/cases/{ukraine['id']}/decision", headers=MFA,
                     json={"outcome": "approve", "decided_at": DECIDED_AT})
    assert r.status_code == 200, r.text
    number = r.json()["licence_number"]
    assert r.json()["decision_time_hours"] == 769.0
    [notice] = (await c.get("/v1/parliament-notifications", headers=MFA)).json()["items"]
    assert (notice["kind"], notice["due_by"], notice["status"]) == ("periodic_letter", None,
                                                                    "due")
    assert (await c.get("/v1/parliament-notifications?status=overdue", headers=MFA)
            ).json()["items"] == []
    letter = {"reference": "Kamerbrief 2024-0001", "sent_on": "2024-06-20",
              "destination": "UA", "licence_numbers": [number]}
    assert (await c.post("/v1/parliament-letters", headers=ASSESSOR, json=letter)
            ).status_code == 403
    r = await c.post("/v1/parliament-letters", headers=MFA,
                     json={**letter, "licence_numbers": ["NL-ML-2024-999999"]})
    assert r.status_code == 422 and "NL-ML-2024-999999" in r.json()["detail"]
    r = await c.post("/v1/parliament-letters", headers=MFA, json=letter)
    assert r.status_code == 201, r.text
    assert r.json()["reported"] == [number]
    [sent] = (await c.get("/v1/parliament-notifications?status=sent", headers=MFA)
              ).json()["items"]
    assert (sent["sent_on"], sent["letter_reference"]) == ("2024-06-20", "Kamerbrief 2024-0001")
    [kept] = (await c.get("/v1/parliament-letters", headers=ASSESSOR)).json()["items"]
    assert kept["licence_numbers"] == [number]


async def test_grounds_per_regime_on_a_dual_use_and_an_anti_torture_denial(
        assessment: RunningService) -> None:
    c = assessment.client
    dual = application(regime="dual_use", destinations=["PK"], end_user={
        "name": "Institute X", "country": "PK", "type": "government"}, goods=[
        {"description": "frequency changers", "rating": "3A225", "quantity": 5,
         "value_eur": "40000.00", "complete_system": False, "annex": None}])
    torture = application(regime="anti_torture", destinations=["BR"],
                          end_use="riot control by police", end_user={
                              "name": "Policia", "country": "BR", "type": "government"}, goods=[
        {"description": "tear gas", "rating": "III.2.1", "quantity": 50,
         "value_eur": "80000.00", "complete_system": False, "annex": "III"}])
    for app in (dual, torture):
        await submit(assessment, app)
    for app in (dual, torture):
        case = await screened(assessment, app["id"])
        who = MFA if case["queue"] == "mfa" else ASSESSOR
        url = f"/v1/cases/{app['id']}/decision"
        if app is dual:
            r = await c.post(url, headers=who, json={"outcome": "deny",
                                                     "grounds": ["annex-iii-torture"]})
            assert r.status_code == 422 and "errors" in r.json()
            r = await c.post(url, headers=who, json={"outcome": "deny", "grounds": ["art4-wmd"]})
            assert r.status_code == 200, r.text
            assert r.json()["decision"]["grounds"] == ["art4-wmd"]
        else:
            r = await c.post(url, headers=who, json={"outcome": "deny", "criteria": [2]})
            assert r.status_code == 422 and "not on the criteria" in r.json()["detail"]
            r = await c.post(url, headers=who, json={"outcome": "deny",
                                                     "grounds": ["annex-iii-torture"]})
            assert r.status_code == 200, r.text
    [decided] = [e for e in await stream(assessment, dual["id"]) if e.type == "CaseDecided"]
    assert (decided.payload["criteria"], decided.payload["grounds"]) == ([], ["art4-wmd"])


async def test_a_referral_and_an_advice_in_a_cases_stream(assessment: RunningService) -> None:
    c = assessment.client
    app = application(destinations=["DE"], end_user={"name": "Bundeswehr", "country": "DE",
                                                     "type": "armed_forces"})
    await submit(assessment, app)
    case = await screened(assessment, app["id"])
    assert case["queue"] == "cdiu"
    url = f"/v1/cases/{app['id']}"
    assert (await c.post(f"{url}/referral", headers=MFA, json={"reason": "x"})
            ).status_code == 403
    r = await c.post(f"{url}/referral", headers={**ASSESSOR, "If-Match": f'"{case["version"]}"'},
                     json={"reason": "end user linked to a sensitive programme"})
    assert r.status_code == 200, r.text
    assert r.json()["queue"] == "mfa"
    assert [s["kind"] for s in r.json()["queue_history"]] == ["routing", "referral"]
    r = await c.post(f"{url}/decision", headers=ASSESSOR, json={"outcome": "approve"})
    assert r.status_code == 403
    r = await c.post(f"{url}/advice", headers=MFA, json={
        "position": "positive", "criteria": [], "grounds": [], "note": "no objection"})
    assert r.status_code == 200 and r.json()["advice"]["position"] == "positive"
    r = await c.post(f"{url}/decision", headers=MFA, json={"outcome": "approve",
                                                           "decided_at": DECIDED_AT})
    assert r.status_code == 200, r.text
    events = await stream(assessment, app["id"])
    [advice] = [e for e in events if e.type == "AdviceRecorded"]
    assert [e.type for e in events if e.type in ("CaseReferred", "AdviceRecorded")] == [
        "CaseReferred", "AdviceRecorded"]
    assert r.json()["decision"]["advice"] == {"event_id": advice.event_id,
                                              "position": "positive"}
    listed = (await c.get("/v1/cases?queue=mfa", headers=MFA)).json()["items"]
    assert app["id"] in [x["id"] for x in listed]


async def test_a_catch_all_requirement_makes_the_next_application_a_catch_all_case(
        assessment: RunningService) -> None:
    c = assessment.client
    exporter = {"name": "Acme Optics B.V.", "eori": "NL999999999"}
    body = {"regime": "dual_use", "exporter": exporter, "goods_description": "cameras",
            "destination": "IR", "ground": "wmd", "imposed_on": "2024-04-02"}
    r = await c.post("/v1/catch-all-requirements", headers=ASSESSOR, json=body)
    assert r.status_code == 201, r.text
    requirement = r.json()
    assert requirement["active"] and requirement["id"].startswith("ca-")
    app = application(regime="dual_use", applicant=exporter, destinations=["IR"],
                      end_user={"name": "Sharif Trading", "country": "IR", "type": "company"},
                      goods=[{"description": "high-speed cameras", "rating": "6A003",
                              "quantity": 2, "value_eur": "30000.00",
                              "complete_system": False, "annex": None}])
    await submit(assessment, app)
    case = await screened(assessment, app["id"])
    assert case["catch_all_requirements"] == [requirement["id"]]
    assert (case["queue"], case["rule"]) == ("mfa", "catch_all.requirement")
    r = await c.post(f"/v1/cases/{app['id']}/decision", headers=MFA,
                     json={"outcome": "approve", "decided_at": DECIDED_AT})
    assert r.status_code == 200, r.text
    assert r.json()["decision"]["catch_all"] is True
    licence = (await c.get(f"/v1/licences/{r.json()['licence_number']}", headers=MFA)).json()
    assert licence["catch_all"] is True
    url = f"/v1/catch-all-requirements/{requirement['id']}/lift"
    r = await c.post(url, headers=MFA, json={"lifted_on": today().isoformat(), "reason": "ok"})
    assert r.status_code == 200 and not r.json()["active"]
    assert (await c.post(url, headers=MFA, json={"lifted_on": today().isoformat(),
                                                 "reason": "again"})).status_code == 409
    assert (await c.get("/v1/catch-all-requirements?active=true", headers=MFA)
            ).json()["items"] == []
    assert (await c.post("/v1/catch-all-requirements/ca-nope/lift", headers=MFA, json={
        "lifted_on": "2024-05-01", "reason": "x"})).status_code == 404


async def test_a_sanctions_hit_blocks_approval_and_a_denial_cites_it(
        assessment: RunningService) -> None:
    c = assessment.client
    app = application(regime="dual_use", destinations=["RU"],
                      end_user={"name": "Rostec", "country": "RU", "type": "company"},
                      goods=[{"description": "frequency changers", "rating": "3A225",
                              "quantity": 5, "value_eur": "40000.00",
                              "complete_system": False, "annex": None}])
    await submit(assessment, app)
    case = await screened(assessment, app["id"])
    [hit] = case["screening"]["sanctions"]
    assert hit["regulation"] == "Council Regulation (EU) No 833/2014"
    url = f"/v1/cases/{app['id']}/decision"
    r = await c.post(url, headers=MFA, json={"outcome": "approve"})
    assert r.status_code == 409 and kind(r.json()) == "sanctions"
    assert "833/2014" in r.json()["detail"]
    r = await c.post(url, headers=MFA, json={"outcome": "deny", "grounds": ["art15-sanctions"]})
    assert r.status_code == 200, r.text


async def test_an_investigation_is_referred_listed_with_its_age_and_concluded(
        assessment: RunningService) -> None:
    c = assessment.client
    referred_on = (today() - dt.timedelta(days=3)).isoformat()
    r = await c.post("/v1/investigations", headers=ASSESSOR, json={
        "subject_kind": "realisation", "subject_id": "r-1", "reason": "transit to TR",
        "referred_on": referred_on, "authority": "FIOD"})
    assert r.status_code == 201, r.text
    referral = r.json()
    assert (referral["status"], referral["age_days"]) == ("open", 3)
    [listed] = (await c.get("/v1/investigations?status=open", headers=MFA)).json()["items"]
    assert listed["id"] == referral["id"]
    url = f"/v1/investigations/{referral['id']}/outcome"
    r = await c.post(url, headers=MFA, json={"outcome": "warning", "concluded_on": today()
                                             .isoformat()})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert r.json()["age_days"] is None
    assert (await c.post(url, headers=MFA, json={"outcome": "fine", "concluded_on": today()
                                                 .isoformat()})).status_code == 409
    assert (await c.get("/v1/investigations?status=open", headers=MFA)).json()["items"] == []


async def test_a_licence_is_marked_confidential(assessment: RunningService) -> None:
    c = assessment.client
    app = application()
    await submit(assessment, app)
    await screened(assessment, app["id"])
    r = await c.post(f"/v1/cases/{app['id']}/decision", headers=MFA,
                     json={"outcome": "approve", "decided_at": DECIDED_AT})
    number = r.json()["licence_number"]
    release = (today() + dt.timedelta(days=200)).isoformat()
    url = f"/v1/licences/{number}/confidential"
    r = await c.post(url, headers=MFA, json={"release_on": release, "reason": "security"})
    assert r.status_code == 200 and r.json()["confidential"]["release_on"] == release
    assert (await c.post(url, headers=MFA, json={"release_on": "2024-01-01", "reason": "x"})
            ).status_code == 422
    assert "LicenceMarkedConfidential" in [e.type for e in await stream(assessment, app["id"])]
