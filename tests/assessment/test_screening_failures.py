"""Screening against a denials registry that refuses: permanent 4xx fail, the rest retry."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.assessment.screening import is_permanent
from tests.assessment.conftest import ASSESSOR, MFA, FakeDenials, application, submit
from tests.assessment.test_cases import screened
from tests.harness import RunningService, auth, eventually

UNPROCESSABLE = (422, {"type": "about:blank", "title": "Invalid request", "status": 422,
                       "detail": "goods_description: at most 300 characters",
                       "errors": [{"loc": ["body", "goods_description"],
                                   "msg": "String should have at most 300 characters"}]})


@pytest.mark.parametrize(("status", "permanent"), [
    (400, True), (401, True), (403, True), (404, True), (413, True), (422, True),
    (408, False), (425, False), (429, False), (500, False), (502, False), (503, False),
])
def test_only_client_errors_that_cannot_pass_are_permanent(status: int, permanent: bool) -> None:
    assert is_permanent(status) is permanent


def kind(response: httpx.Response) -> str:
    """The kind of problem an answer names: the last part of its `type`."""
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def stream_types(svc: RunningService, case_id: str) -> list[str]:
    """The event types on a case's stream."""
    async with svc.runtime.sessions() as session:
        return [e.type for e in await svc.runtime.store.read(session, case_id)]


async def test_a_refused_query_fails_the_screening_until_an_assessor_reruns_it(
        assessment: RunningService, fake_denials: FakeDenials) -> None:
    fake_denials.refusal = UNPROCESSABLE
    app = application()
    await submit(assessment, app)
    case = await screened(assessment, app["id"], "failed")
    failure = case["screening"]["failure"]
    assert failure["status"] == 422
    assert failure["problem"]["errors"][0]["loc"] == ["body", "goods_description"]
    assert "goods_description" in failure["reason"] and "422" in failure["reason"]
    assert case["screening"]["last_error"] == failure["reason"]
    assert case["screening_status"] == "failed"

    # Not retried by itself: a pass over the pending cases does not ask denials again.
    asked = len(fake_denials.queries)
    await assessment.app.state.screener.screen_pending()
    assert len(fake_denials.queries) == asked
    listed = (await assessment.client.get("/v1/cases?screening=failed",
                                          headers=MFA)).json()["items"]
    assert [(c["id"], c["screening_status"]) for c in listed] == [(app["id"], "failed")]

    r = await assessment.client.post(f"/v1/cases/{app['id']}/decision", headers=MFA,
                                     json={"outcome": "approve"})
    assert r.status_code == 409 and kind(r) == "screening-failed"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "/screening/retry" in r.json()["detail"]

    url = f"/v1/cases/{app['id']}/screening/retry"
    assert (await assessment.client.post(url)).status_code == 401
    assert (await assessment.client.post(url, headers=auth("customs"))).status_code == 403
    assert (await assessment.client.post("/v1/cases/nope/screening/retry",
                                         headers=MFA)).status_code == 404
    r = await assessment.client.post(url, headers={**MFA, "If-Match": '"1"'})
    assert r.status_code == 409 and kind(r) == "version-conflict"
    r = await assessment.client.post(url, headers={**MFA, "If-Match": "one"})
    assert r.status_code == 400

    fake_denials.refusal = None  # the cause is fixed
    # An assessor of the CDIU may re-run the screening of an MFA case: it decides nothing.
    r = await assessment.client.post(url, headers=ASSESSOR)
    assert r.status_code == 202, r.text
    assert r.json()["screening"]["status"] in ("pending", "completed")
    case = await screened(assessment, app["id"], "completed")
    [earlier] = case["screening"]["earlier_failures"]
    assert earlier["status"] == 422 and earlier["retried_by"] == "assessor-1"
    assert "failure" not in case["screening"]
    r = await assessment.client.post(url, headers=MFA)
    assert r.status_code == 409 and kind(r) == "screening-completed"
    assert await stream_types(assessment, app["id"]) == [
        "CaseOpened", "CaseRouted", "ScreeningPending", "ScreeningFailed", "ScreeningPending",
        "ScreeningCompleted"]
    async with assessment.runtime.sessions() as session:
        stream = await assessment.runtime.store.read(session, app["id"])
    failed, rerun = stream[3], stream[4]
    assert failed.payload["status"] == 422 and failed.payload["problem"]["title"]
    assert failed.actor.sub == "system"
    assert rerun.payload["retry"] is True and rerun.actor.sub == "assessor-1"
    r = await assessment.client.post(f"/v1/cases/{app['id']}/decision", headers=MFA,
                                     json={"outcome": "approve"})
    assert r.status_code == 200, r.text


async def test_a_refused_token_fails_the_screening_and_a_denial_is_still_possible(
        assessment: RunningService, fake_denials: FakeDenials) -> None:
    fake_denials.refusal = (401, {"title": "Unauthorized", "status": 401,
                                  "detail": "the token's signature is not valid"})
    app = application()
    await submit(assessment, app)
    case = await screened(assessment, app["id"], "failed")
    assert "LICENSING_ASSESSMENT_DENIALS_TOKEN" in case["screening"]["failure"]["reason"]
    r = await assessment.client.post(f"/v1/cases/{app['id']}/decision", headers=MFA,
                                     json={"outcome": "deny", "criteria": [1, 7]})
    assert r.status_code == 200 and r.json()["outcome"] == "denied"
    r = await assessment.client.post(f"/v1/cases/{app['id']}/screening/retry", headers=MFA)
    assert r.status_code == 409 and kind(r) == "case-closed"


async def test_outages_and_transient_client_errors_keep_the_screening_pending(
        assessment: RunningService, fake_denials: FakeDenials) -> None:
    app = application()
    fake_denials.refusal = (503, {"title": "Service Unavailable", "status": 503})
    await submit(assessment, app)
    for status in (503, 429, 408):
        fake_denials.refusal = (status, {"title": "not now", "status": status})
        asked = len(fake_denials.queries)

        async def retried(status: int = status, asked: int = asked) -> dict[str, Any] | None:
            r = await assessment.client.get(f"/v1/cases/{app['id']}", headers=MFA)
            case: dict[str, Any] = r.json() if r.status_code == 200 else {}
            error = (case.get("screening") or {}).get("last_error") or ""
            again = len(fake_denials.queries) >= asked + 2
            return case if again and f"answered {status}" in error else None

        case = await eventually(retried)
        assert case["screening"]["status"] == "pending"
    # Asking for the next attempt of a pending screening records nothing.
    r = await assessment.client.post(f"/v1/cases/{app['id']}/screening/retry", headers=MFA)
    assert r.status_code == 202 and r.json()["screening"]["status"] == "pending"
    fake_denials.refusal = None
    await screened(assessment, app["id"], "completed")
    assert "ScreeningFailed" not in await stream_types(assessment, app["id"])
