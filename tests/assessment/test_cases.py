"""Cases over HTTP: opening, screening, consultation obligation, decisions and licences."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from tests.assessment.conftest import (
    ASSESSOR,
    MFA,
    FakeDenials,
    application,
    publish,
    running_assessment,
    submit,
    upstream,
)
from tests.harness import NatsServer, RunningService, auth, eventually


async def screened(svc: RunningService, case_id: str, status: str = "completed"
                   ) -> dict[str, Any]:
    """Wait until the case exists with its screening in `status`."""

    async def check() -> dict[str, Any] | None:
        r = await svc.client.get(f"/v1/cases/{case_id}", headers=ASSESSOR)
        if r.status_code == 200 and r.json()["screening"]["status"] == status:
            return r.json()
        return None

    return await eventually(check)  # type: ignore[no-any-return]


async def test_case_is_routed_screened_and_explains_its_routing(
        assessment: RunningService) -> None:
    app = application()
    await submit(assessment, app)
    case = await screened(assessment, app["id"])
    assert case["queue"] == "mfa"
    assert case["routing"]["rule"] == "military.outside_nato_plus"
    assert case["routing"]["judged_on"] == "2024-05-02"
    assert case["routing"]["reference_version"]
    assert case["denial_matches"] == [] and case["screening"]["registry_version"] == "fake-1"
    listed = (await assessment.client.get("/v1/cases?queue=mfa&status=open",
                                          headers=MFA)).json()["items"]
    assert [c["id"] for c in listed] == [app["id"]]
    assert (await assessment.client.get("/v1/cases?queue=cdiu", headers=MFA)).json()["items"] \
        == []
    r = await assessment.client.get(f"/v1/cases/{app['id']}", headers=MFA)
    assert r.headers["etag"] == f'"{case["version"]}"'
    assert (await assessment.client.get("/v1/cases")).status_code == 401
    assert (await assessment.client.get("/v1/cases", headers=auth("customs"))).status_code == 403


async def test_screening_waits_for_denials_and_blocks_decisions_meanwhile(
        tmp_path: Path, nats_server: NatsServer, fake_denials: FakeDenials) -> None:
    fake_denials.up = False
    async with running_assessment(tmp_path, nats_server.url, None,
                                  fake_denials.transport()) as svc:
        app = application()
        await submit(svc, app)
        case = await screened(svc, app["id"], "pending")
        assert case["screening_status"] == "pending"
        r = await svc.client.post(f"/v1/cases/{app['id']}/decision", headers=MFA,
                                  json={"outcome": "deny", "criteria": [2]})
        assert r.status_code == 409 and "screening" in r.json()["detail"]
        fake_denials.up = True
        case = await screened(svc, app["id"])
        assert case["screening"]["registry_version"] == "fake-1"


async def test_embargo_and_general_licence_hints_are_screened(assessment: RunningService
                                                              ) -> None:
    embargoed = application(destinations=["RU"], end_user={"name": "MoD", "country": "RU",
                                                           "type": "government"})
    covered = application(destinations=["DE"], transaction="transfer",
                          end_user={"name": "Bundeswehr", "country": "DE",
                                    "type": "armed_forces"})
    await submit(assessment, embargoed)
    await submit(assessment, covered)
    case = await screened(assessment, embargoed["id"])
    assert case["embargoes"][0]["kind"] == "full"
    assert case["screening"]["proposed_findings"][0]["criterion"] == 1
    case = await screened(assessment, covered["id"])
    assert case["queue"] == "cdiu"
    assert "NL003" in [h["code"] for h in case["general_licence_hints"]]


async def test_approval_waits_for_the_consultation_on_a_matched_denial(
        assessment: RunningService, fake_denials: FakeDenials) -> None:
    fake_denials.denials.append({"id": "den-1", "state": "DE", "destination": "SA",
                                 "end_user": "Royal Saudi Land Forces"})
    app = application()
    await submit(assessment, app)
    case = await screened(assessment, app["id"])
    assert [m["denial_id"] for m in case["denial_matches"]] == ["den-1"]
    assert case["consultation"]["blocked"]
    url = f"/v1/cases/{app['id']}/decision"
    r = await assessment.client.post(url, headers=MFA, json={"outcome": "approve"})
    assert r.status_code == 409 and r.json()["denial_ids"] == ["den-1"]
    assert r.headers["content-type"].startswith("application/problem+json")

    opened = {"id": "con-1", "denial_id": "den-1", "consulting_state": "NL",
              "denying_state": "DE", "application_ref": app["reference"], "question": "?",
              "due_by": "2024-05-23", "opened_at": "2024-05-02T10:00:00+00:00"}
    await publish(assessment, upstream("denials", "ConsultationOpened", "con-1", opened))

    async def names_consultation() -> bool:
        r = await assessment.client.post(url, headers=MFA, json={"outcome": "approve"})
        return r.status_code == 409 and r.json()["consultation_ids"] == ["con-1"]

    await eventually(names_consultation)
    closed = {"id": "con-1", "decision": "granted", "reasons": "different end use",
              "application_ref": app["reference"], "consulting_state": "NL",
              "denying_state": "DE", "denial_id": "den-1"}
    await publish(assessment, upstream("denials", "ConsultationClosed", "con-1", closed))

    async def approved() -> dict[str, Any] | None:
        r = await assessment.client.post(url, headers=MFA, json={"outcome": "approve"})
        return r.json() if r.status_code == 200 else None

    case = await eventually(approved)
    assert case["status"] == "decided" and case["outcome"] == "approved"
    assert re.fullmatch(r"NL-ML-\d{4}-\d{6}", case["licence_number"])


async def test_a_dismissed_match_no_longer_blocks_and_denial_is_always_possible(
        assessment: RunningService, fake_denials: FakeDenials) -> None:
    fake_denials.denials.append({"id": "den-2", "state": "FR", "destination": "SA",
                                 "end_user": "Royal Saudi Land Forces"})
    first, second = application(), application()
    await submit(assessment, first)
    await submit(assessment, second)
    await screened(assessment, first["id"])
    await screened(assessment, second["id"])
    r = await assessment.client.post(f"/v1/cases/{first['id']}/dismissals", headers=MFA,
                                     json={"denial_id": "den-2", "reason": "other end user"})
    assert r.status_code == 200 and not r.json()["consultation"]["blocked"]
    r = await assessment.client.post(f"/v1/cases/{first['id']}/decision", headers=MFA,
                                     json={"outcome": "approve"})
    assert r.status_code == 200
    r = await assessment.client.post(f"/v1/cases/{second['id']}/decision", headers=MFA,
                                     json={"outcome": "deny", "criteria": [2, 7]})
    assert r.status_code == 200 and r.json()["outcome"] == "denied"
    assert r.json()["licence_number"] is None


async def test_decision_rules(assessment: RunningService) -> None:
    app = application()
    await submit(assessment, app)
    case = await screened(assessment, app["id"])
    url = f"/v1/cases/{app['id']}/decision"
    r = await assessment.client.post(url, headers=ASSESSOR, json={"outcome": "deny",
                                                                 "criteria": [1]})
    assert r.status_code == 403 and "'mfa'" in r.json()["detail"]
    r = await assessment.client.post(url, headers=MFA, json={"outcome": "deny"})
    assert r.status_code == 422 and "criteria" in r.json()["detail"]
    r = await assessment.client.post(url, headers=MFA, json={"outcome": "deny",
                                                            "criteria": [9]})
    assert r.status_code == 422
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    r = await assessment.client.post(url, headers=MFA, json={"outcome": "approve",
                                                            "decided_at": future})
    assert r.status_code == 422 and "future" in r.json()["detail"]
    r = await assessment.client.post(url, headers=MFA, json={
        "outcome": "approve", "decided_at": "2024-05-01T00:00:00+00:00"})
    assert r.status_code == 422 and "received" in r.json()["detail"]
    r = await assessment.client.post(url, headers={**MFA, "If-Match": '"999"'},
                                     json={"outcome": "approve"})
    assert r.status_code == 409 and r.json()["current_version"] == case["version"]
    r = await assessment.client.post(f"/v1/cases/{app['id']}/findings",
                                     headers={**MFA, "If-Match": f'"{case["version"]}"'},
                                     json={"criterion": 2, "finding": "pass", "note": "ok"})
    assert r.status_code == 200 and r.json()["findings"][0]["criterion"] == 2
    r = await assessment.client.post(url, headers={**MFA, "If-Match": f'"{case["version"]}"'},
                                     json={"outcome": "approve"})
    assert r.status_code == 409  # the finding moved the case on
    r = await assessment.client.post(url, headers=MFA, json={
        "outcome": "approve", "decided_at": "2024-06-03T10:00:00+00:00"})
    assert r.status_code == 200
    assert r.json()["decision"]["decided_at"] == "2024-06-03T10:00:00+00:00"
    r = await assessment.client.post(url, headers=MFA, json={"outcome": "deny",
                                                            "criteria": [1]})
    assert r.status_code == 409
    assert (await assessment.client.get("/v1/cases/nope", headers=MFA)).status_code == 404


async def test_fast_track_notification_is_due_fourteen_days_after_the_decision(
        assessment: RunningService) -> None:
    app = application(goods=[{"description": "air defence system", "rating": "ML4",
                              "quantity": 1, "value_eur": "2500000.00",
                              "complete_system": True, "annex": None}])
    await submit(assessment, app)
    await screened(assessment, app["id"])
    r = await assessment.client.post(f"/v1/cases/{app['id']}/decision", headers=MFA, json={
        "outcome": "approve", "decided_at": "2024-06-03T10:00:00+00:00"})
    number = r.json()["licence_number"]
    items = (await assessment.client.get("/v1/parliament-notifications",
                                         headers=ASSESSOR)).json()["items"]
    assert [(n["licence_number"], n["destination"], n["decided_on"], n["due_by"],
             n["value_eur"]) for n in items] == [
        (number, "SA", "2024-06-03", "2024-06-17", "2500000.00")]
    overdue = (await assessment.client.get("/v1/parliament-notifications?status=overdue",
                                           headers=MFA)).json()["items"]
    assert [n["id"] for n in overdue] == [number]
    r = await assessment.client.post(f"/v1/parliament-notifications/{number}/sent",
                                     headers=ASSESSOR)
    assert r.status_code == 403
    r = await assessment.client.post(f"/v1/parliament-notifications/{number}/sent",
                                     headers=MFA, json={"sent_on": "2024-06-10"})
    assert r.status_code == 200 and r.json()["status"] == "sent"
    sent = (await assessment.client.get("/v1/parliament-notifications?status=sent",
                                        headers=MFA)).json()["items"]
    assert sent[0]["sent_on"] == "2024-06-10"


async def test_licence_lifecycle_and_amendments(assessment: RunningService) -> None:
    app = application(destinations=["DE"], end_user={"name": "Bundeswehr", "country": "DE",
                                                     "type": "armed_forces"},
                      licence_type="global")
    await submit(assessment, app)
    await screened(assessment, app["id"])
    r = await assessment.client.post(f"/v1/cases/{app['id']}/decision", headers=ASSESSOR,
                                     json={"outcome": "approve",
                                           "decided_at": "2024-06-03T10:00:00+00:00"})
    assert r.status_code == 200, r.text
    number = r.json()["licence_number"]
    licence = (await assessment.client.get(f"/v1/licences/{number}", headers=MFA)).json()
    assert (licence["valid_from"], licence["valid_until"]) == ("2024-06-03", "2027-06-02")
    assert licence["status"] == "active" and licence["value_eur"] == "1500000.00"
    base = f"/v1/licences/{number}"
    assert (await assessment.client.post(f"{base}/reinstate", headers=MFA,
                                         json={"reason": "x"})).status_code == 409
    r = await assessment.client.post(f"{base}/suspend", headers=MFA, json={"reason": "audit"})
    assert r.json()["status"] == "suspended"
    r = await assessment.client.post(f"{base}/reinstate", headers=MFA, json={"reason": "ok"})
    assert r.json()["status"] == "active"
    r = await assessment.client.post(f"{base}/revoke", headers=MFA, json={"reason": "fraud"})
    assert r.json()["status"] == "revoked"
    assert [h["action"] for h in r.json()["history"]] == ["suspend", "reinstate", "revoke"]
    assert (await assessment.client.post(f"{base}/revoke", headers=MFA, json={})
            ).status_code == 422

    extension = application(destinations=["DE"], amends={"licence_number": number,
                                                         "kind": "extension"},
                            end_user={"name": "Bundeswehr", "country": "DE",
                                      "type": "armed_forces"})
    await submit(assessment, extension)
    case = await screened(assessment, extension["id"])
    assert case["amends"]["known"] and case["amends"]["previous_value_eur"] == "1500000.00"
    r = await assessment.client.post(f"/v1/cases/{extension['id']}/decision", headers=ASSESSOR,
                                     json={"outcome": "approve"})
    second = r.json()["licence_number"]
    assert int(second[-6:]) == int(number[-6:]) + 1 or second[8:12] != number[8:12]
    licence = (await assessment.client.get(f"/v1/licences/{number}", headers=MFA)).json()
    assert licence["amended_by"] == [second]
    assert (await assessment.client.get("/v1/licences/NL-ML-2024-999999",
                                        headers=MFA)).status_code == 404


async def test_sondage_withdrawal_and_classification(assessment: RunningService) -> None:
    sondage = application(procedure="sondage")
    withdrawn = application()
    await submit(assessment, sondage)
    await submit(assessment, withdrawn)
    await screened(assessment, sondage["id"])
    r = await assessment.client.post(f"/v1/cases/{sondage['id']}/decision", headers=MFA,
                                     json={"outcome": "approve"})
    assert r.status_code == 200 and r.json()["licence_number"] is None
    await publish(assessment, upstream("intake", "ApplicationWithdrawn", withdrawn["id"],
                                       {"application_id": withdrawn["id"], "reason": "cancel"}))

    async def closed() -> bool:
        r = await assessment.client.get(f"/v1/cases/{withdrawn['id']}", headers=MFA)
        return r.status_code == 200 and r.json()["status"] == "withdrawn"

    await eventually(closed)
    await publish(assessment, upstream("intake", "ClassificationRequested", "req-1", {
        "id": "req-1", "description": "thermal camera core", "technical_data": "640x512"}))

    async def listed() -> list[Any]:
        return (await assessment.client.get("/v1/classification-requests?status=open",
                                            headers=ASSESSOR)).json()["items"]

    assert (await eventually(listed))[0]["id"] == "req-1"
    url = "/v1/classification-requests/req-1/answer"
    r = await assessment.client.post(url, headers=ASSESSOR, json={"rating": None,
                                                                   "controlled": True})
    assert r.status_code == 422
    r = await assessment.client.post(url, headers=ASSESSOR, json={"rating": "6A003.b.4",
                                                                   "controlled": True})
    assert r.status_code == 200 and r.json()["answer"]["rating"] == "6A003.b.4"
    assert (await assessment.client.post(url, headers=ASSESSOR, json={
        "rating": None, "controlled": False})).status_code == 409


async def test_events_of_a_decided_case_are_on_the_application_stream(
        assessment: RunningService) -> None:
    app = application()
    await submit(assessment, app)
    await screened(assessment, app["id"])
    await assessment.client.post(f"/v1/cases/{app['id']}/decision", headers=MFA,
                                 json={"outcome": "deny", "criteria": [2, 4, 7], "note": "n"})
    runtime = assessment.runtime
    async with runtime.sessions() as session:
        stream = await runtime.store.read(session, app["id"])
    assert [e.type for e in stream] == ["CaseOpened", "CaseRouted", "ScreeningPending",
                                        "ScreeningCompleted", "CaseDecided"]
    decided = stream[-1].payload
    assert decided["outcome"] == "denied" and decided["criteria"] == [2, 4, 7]
    assert decided["destinations"] == ["SA"] and decided["end_user"]["name"]


