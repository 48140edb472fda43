"""Each assessment event type has a sample that parses; recorded events keep the catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.assessment import events as ev
from shared.envelope import Envelope
from tests.assessment.conftest import ASSESSOR, MFA, FakeDenials, application, publish, submit
from tests.assessment.conftest import upstream as upstream_event
from tests.assessment.test_cases import screened
from tests.harness import RunningService, eventually

LOCAL = {"embargoes": [], "general_licence_hints": [], "prohibited": [],
         "proposed_findings": [], "reference_version": "2024.1"}
LICENCE = {"licence_number": "NL-ML-2024-000001", "application_id": "a1", "reference": "R-1",
           "regime": "military", "licence_type": "individual", "transaction": "export",
           "purpose": "definitive", "catch_all": False, "destinations": ["SA"],
           "destination_group": None, "origins": [], "goods": [], "value_eur": "10.00",
           "service_value_eur": None, "valid_from": "2024-06-03", "valid_until": "2026-06-02",
           "decided_at": "2024-06-03T10:00:00+00:00", "amends": None}

SAMPLES: dict[str, dict[str, Any]] = {
    ev.CASE_OPENED: {"application_id": "a1", "reference": "R-1", "regime": "military",
                     "procedure": "licence"},
    ev.CASE_ROUTED: {"queue": "mfa", "rule": "military.outside_nato_plus",
                     "reference_version": "2024.1"},
    ev.SCREENING_PENDING: {"reason": "the denials registry has not been consulted yet",
                           **LOCAL},
    ev.SCREENING_COMPLETED: {**LOCAL, "denial_matches": [], "registry_version": "7"},
    ev.SCREENING_FAILED: {"reason": "the denials registry refused the screening query with 422",
                          "status": 422, "reference_version": "2024.1",
                          "problem": {"title": "Invalid request", "status": 422,
                                      "detail": "goods_description: too long",
                                      "errors": [{"loc": ["body", "goods_description"],
                                                  "msg": "too long"}]}},
    ev.FINDING_RECORDED: {"criterion": 2, "finding": "concern", "note": None},
    ev.MATCH_DISMISSED: {"denial_id": "d1", "reason": "other end user", "application_id": "a1",
                         "application_ref": "R-1", "state": "DE"},
    ev.CASE_DECIDED: {"application_id": "a1", "reference": "R-1", "outcome": "denied",
                      "criteria": [2, 7], "note": None, "decided_at": "2024-06-03T10:00:00Z",
                      "queue": "mfa"},
    ev.CASE_CLOSED: {"application_id": "a1", "reason": "withdrawn", "note": None},
    ev.LICENCE_ISSUED: LICENCE,
    ev.LICENCE_SUSPENDED: {"licence_number": "NL-ML-2024-000001", "reason": "audit"},
    ev.LICENCE_REINSTATED: {"licence_number": "NL-ML-2024-000001", "reason": "ok"},
    ev.LICENCE_REVOKED: {"licence_number": "NL-ML-2024-000001", "reason": "fraud"},
    ev.PARLIAMENT_NOTIFICATION_DUE: {
        "id": "NL-ML-2024-000001", "licence_number": "NL-ML-2024-000001", "destination": "SA",
        "description": "air defence system", "value_eur": "2500000.00",
        "decided_on": "2024-06-03", "due_by": "2024-06-17"},
    ev.PARLIAMENT_NOTIFICATION_SENT: {"id": "NL-ML-2024-000001",
                                      "licence_number": "NL-ML-2024-000001",
                                      "sent_on": "2024-06-10"},
    ev.CLASSIFICATION_ANSWERED: {"request_id": "q1", "rating": None, "controlled": False,
                                 "note": None},
}


def test_every_event_type_has_its_catalogue_fields() -> None:
    assert set(ev.REQUIRED_FIELDS) == set(ev.ALL) == set(SAMPLES)


@pytest.mark.parametrize("type_", ev.ALL)
def test_sample_event_parses_and_carries_its_fields(type_: str) -> None:
    raw = Envelope(event_id="e1", type=type_, source="assessment", stream_id="a1",
                   stream_version=1, occurred_at="2024-06-03T10:00:00+00:00",  # type: ignore[arg-type]
                   recorded_at="2024-06-03T10:00:00+00:00",  # type: ignore[arg-type]
                   actor={"sub": "t"}, correlation_id="a1",  # type: ignore[arg-type]
                   payload=SAMPLES[type_]).sealed().to_json()
    assert ev.REQUIRED_FIELDS[type_] <= set(Envelope.parse(raw).payload)


async def test_recorded_events_carry_the_catalogue_fields(
        assessment: RunningService, fake_denials: FakeDenials) -> None:
    c = assessment.client
    fake_denials.denials.append({"id": "den-9", "state": "DE", "destination": "SA",
                                 "end_user": "Royal Saudi Land Forces"})
    fake_denials.refusal = (403, {"title": "Forbidden", "status": 403, "detail": "no role"})
    big = application(goods=[{"description": "air defence system", "rating": "ML4",
                              "quantity": 1, "value_eur": "2500000.00",
                              "complete_system": True, "annex": None}])
    await submit(assessment, big)
    await screened(assessment, big["id"], "failed")
    fake_denials.refusal = None
    assert (await c.post(f"/v1/cases/{big['id']}/screening/retry", headers=MFA)
            ).status_code == 202
    await screened(assessment, big["id"])
    url = f"/v1/cases/{big['id']}"
    assert (await c.post(f"{url}/findings", headers=MFA, json={
        "criterion": 2, "finding": "pass"})).status_code == 200
    assert (await c.post(f"{url}/dismissals", headers=MFA, json={
        "denial_id": "den-9", "reason": "another unit"})).status_code == 200
    r = await c.post(f"{url}/decision", headers=MFA, json={
        "outcome": "approve", "decided_at": "2024-06-03T10:00:00+00:00"})
    number = r.json()["licence_number"]
    for action in ("suspend", "reinstate", "revoke"):
        assert (await c.post(f"/v1/licences/{number}/{action}", headers=MFA,
                             json={"reason": "r"})).status_code == 200
    assert (await c.post(f"/v1/parliament-notifications/{number}/sent", headers=MFA,
                         json={"sent_on": "2024-06-10"})).status_code == 200
    withdrawn = application()
    await submit(assessment, withdrawn)
    await publish(assessment, upstream_event("intake", "ApplicationWithdrawn", withdrawn["id"],
                                             {"application_id": withdrawn["id"],
                                              "reason": None}))
    await publish(assessment, upstream_event("intake", "ClassificationRequested", "req-9",
                                             {"id": "req-9", "description": "camera core",
                                              "technical_data": "640x512"}))

    async def answered() -> bool:
        r = await c.post("/v1/classification-requests/req-9/answer", headers=ASSESSOR,
                         json={"rating": None, "controlled": False})
        return r.status_code == 200

    await eventually(answered)

    async def closed() -> bool:
        r = await c.get(f"/v1/cases/{withdrawn['id']}", headers=MFA)
        return r.status_code == 200 and r.json()["status"] == "withdrawn"

    await eventually(closed)
    table = assessment.runtime.metadata.tables["events"]
    async with assessment.runtime.sessions() as session:
        bodies = (await session.execute(select(table.c.body))).scalars().all()
    seen = set()
    for body in bodies:
        env = Envelope.parse(body)
        assert ev.REQUIRED_FIELDS[env.type] <= set(env.payload), env.type
        seen.add(env.type)
    assert seen == set(ev.ALL)
