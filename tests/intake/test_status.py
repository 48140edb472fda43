"""Status for customs follows assessment's events; withdrawal while undecided."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.harness import RunningService, eventually
from tests.intake.conftest import CUSTOMS, Assessment, stream, submit


async def _status(intake: RunningService, app_id: str) -> dict[str, Any]:
    response = await intake.client.get(f"/v1/applications/{app_id}", headers=CUSTOMS)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


async def _becomes(intake: RunningService, app_id: str, status: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        doc = await _status(intake, app_id)
        return doc if doc["status"] == status else None

    return await eventually(check)  # type: ignore[no-any-return]


async def test_status_follows_the_case_to_approval_with_the_licence_number(
    intake: RunningService, assessment: Assessment,
) -> None:
    app = await submit(intake)
    await assessment.publish(app["id"], "CaseOpened", {
        "application_id": app["id"], "reference": app["reference"], "regime": "military",
        "procedure": "licence"})
    await _becomes(intake, app["id"], "under_assessment")
    number = await assessment.issue(app["id"], destinations=["NO"])
    doc = await _becomes(intake, app["id"], "approved")
    doc = await eventually(lambda: _with_licence(intake, app["id"]))
    assert doc["licence_number"] == number
    assert "criteria" not in doc


async def _with_licence(intake: RunningService, app_id: str) -> dict[str, Any] | None:
    doc = await _status(intake, app_id)
    return doc if doc.get("licence_number") else None


async def test_a_denial_shows_its_criteria(intake: RunningService, assessment: Assessment
                                           ) -> None:
    app = await submit(intake)
    await assessment.publish(app["id"], "CaseDecided", {
        "application_id": app["id"], "reference": app["reference"], "outcome": "denied",
        "criteria": [2, 4, 7], "note": "risk of diversion",
        "decided_at": "2024-05-01T10:00:00+00:00", "queue": "mfa"})
    doc = await _becomes(intake, app["id"], "denied")
    assert doc["criteria"] == [2, 4, 7]
    assert doc["decided_at"] == "2024-05-01T10:00:00+00:00"
    assert "licence_number" not in doc


async def test_withdrawal_while_undecided_is_recorded_and_repeatable(
    intake: RunningService,
) -> None:
    app = await submit(intake)
    url = f"/v1/applications/{app['id']}/withdraw"
    first = await intake.client.post(url, json={"reason": "contract cancelled"},
                                     headers=CUSTOMS)
    assert first.status_code == 200 and first.json()["status"] == "withdrawn"
    again = await intake.client.post(url, headers=CUSTOMS)
    assert again.status_code == 200
    events = await stream(intake, app["id"])
    assert [e.type for e in events] == ["ApplicationSubmitted", "ApplicationWithdrawn"]
    assert events[1].payload == {"application_id": app["id"], "reason": "contract cancelled"}
    assert (await _status(intake, app["id"]))["status"] == "withdrawn"


async def test_withdrawal_is_refused_once_decided(intake: RunningService,
                                                  assessment: Assessment) -> None:
    app = await submit(intake)
    await assessment.issue(app["id"], destinations=["NO"])
    await _becomes(intake, app["id"], "approved")
    response = await intake.client.post(f"/v1/applications/{app['id']}/withdraw",
                                        headers=CUSTOMS)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_decision_after_withdrawal_leaves_it_withdrawn(
    intake: RunningService, assessment: Assessment,
) -> None:
    app = await submit(intake)
    await intake.client.post(f"/v1/applications/{app['id']}/withdraw", headers=CUSTOMS)
    await assessment.publish(app["id"], "CaseDecided", {
        "application_id": app["id"], "reference": app["reference"], "outcome": "denied",
        "criteria": [1], "note": None, "decided_at": "2024-05-01T10:00:00+00:00",
        "queue": "cdiu"})
    await assessment.publish(app["id"], "CaseOpened", _opened(app))
    marker = await submit(intake)
    await assessment.publish(marker["id"], "CaseOpened", _opened(marker))
    await _becomes(intake, marker["id"], "under_assessment")  # the earlier events are handled
    assert (await _status(intake, app["id"]))["status"] == "withdrawn"


async def test_unknown_application_is_404(intake: RunningService) -> None:
    response = await intake.client.get("/v1/applications/nope", headers=CUSTOMS)
    assert response.status_code == 404
    response = await intake.client.post("/v1/applications/nope/withdraw", headers=CUSTOMS)
    assert response.status_code == 404


async def test_identical_classification_requests_raced_are_recorded_once(
    intake: RunningService,
) -> None:
    for _ in range(3):
        headers = {**CUSTOMS, "Idempotency-Key": f"cls-race-{uuid.uuid4()}"}
        body = {"description": "gyro", "technical_data": "bias stability 0.01 deg/h"}
        answers = await asyncio.gather(*[intake.client.post(
            "/v1/classification-requests", json=body, headers=headers) for _ in range(5)])
        assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201], \
            [a.text for a in answers]
        assert len({a.json()["id"] for a in answers}) == 1


async def test_a_classification_request_shows_its_answer(
    intake: RunningService, assessment: Assessment,
) -> None:
    headers = {**CUSTOMS, "Idempotency-Key": "cls-1"}
    body = {"description": "thermal camera core", "technical_data": "640x512, 60 Hz, NETD 40mK"}
    response = await intake.client.post("/v1/classification-requests", json=body,
                                        headers=headers)
    assert response.status_code == 201, response.text
    request = response.json()
    assert request["status"] == "pending" and request["answer"] is None
    again = await intake.client.post("/v1/classification-requests", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == request["id"]
    events = await stream(intake, request["id"])
    assert [e.type for e in events] == ["ClassificationRequested"]
    await assessment.publish(request["id"], "ClassificationAnswered", {
        "request_id": request["id"], "rating": "6A003.b.4", "controlled": True,
        "note": "uncooled FPA"})

    async def answered() -> dict[str, Any] | None:
        r = await intake.client.get(f"/v1/classification-requests/{request['id']}",
                                    headers=CUSTOMS)
        doc = r.json()
        return doc if doc["status"] == "answered" else None

    doc = await eventually(answered)
    assert doc["answer"]["rating"] == "6A003.b.4" and doc["answer"]["controlled"] is True


async def test_not_controlled_is_an_answer_without_a_rating(
    intake: RunningService, assessment: Assessment,
) -> None:
    response = await intake.client.post(
        "/v1/classification-requests", headers=CUSTOMS,
        json={"description": "garden hose", "technical_data": "PVC, 25 m"})
    request = response.json()
    await assessment.publish(request["id"], "ClassificationAnswered", {
        "request_id": request["id"], "rating": None, "controlled": False, "note": None})

    async def answered() -> dict[str, Any] | None:
        r = await intake.client.get(f"/v1/classification-requests/{request['id']}",
                                    headers=CUSTOMS)
        return r.json() if r.json()["status"] == "answered" else None

    doc = await eventually(answered)
    assert doc["answer"]["controlled"] is False and doc["answer"]["rating"] is None


def _opened(app: dict[str, Any]) -> dict[str, Any]:
    return {"application_id": app["id"], "reference": app["reference"], "regime": "military",
            "procedure": "licence"}
