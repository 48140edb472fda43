"""Each assessment event type has an example that parses; a tour of a case records every type,
each as its contract writes it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.contracts import REGISTRY, Payload
from shared.envelope import Envelope
from tests.assessment.conftest import ASSESSOR, MFA, FakeDenials, application, publish, submit
from tests.assessment.conftest import upstream as upstream_event
from tests.assessment.test_cases import screened
from tests.harness import RunningService, eventually

ASSESSMENT = [m for m in REGISTRY if m.event_source == "assessment"]
# The types the tour below records, each at least once.
TOURED = {"CaseOpened", "CaseRouted", "ScreeningPending", "ScreeningCompleted",
          "ScreeningFailed", "FindingRecorded", "MatchDismissed", "CaseDecided", "CaseClosed",
          "LicenceIssued", "LicenceSuspended", "LicenceReinstated", "LicenceRevoked",
          "ParliamentNotificationDue", "ParliamentNotificationSent", "ClassificationAnswered"}


@pytest.mark.parametrize("model", ASSESSMENT, ids=lambda m: m.event_type)
def test_every_event_type_has_an_example_that_parses_on_the_wire(model: type[Payload]) -> None:
    for example in model.examples:
        raw = Envelope(event_id="e1", type=model.event_type, source="assessment",
                       stream_id="a1", stream_version=1,
                       occurred_at="2024-06-03T10:00:00+00:00",  # type: ignore[arg-type]
                       recorded_at="2024-06-03T10:00:00+00:00",  # type: ignore[arg-type]
                       actor={"sub": "t"}, correlation_id="a1",  # type: ignore[arg-type]
                       payload=example).sealed().to_json()
        assert REGISTRY.parse(Envelope.parse(raw)).payload == model.model_validate(example)


async def test_recorded_events_read_through_their_contracts(
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
        assert REGISTRY.dump(REGISTRY.parse(env).payload) == env.payload, env.type
        seen.add(env.type)
    assert seen == TOURED
