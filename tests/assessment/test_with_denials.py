"""Assessment screening against the real denials service, both in-process on one NATS."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tests.assessment.conftest import ASSESSOR, MFA, application, beside, submit
from tests.assessment.test_cases import screened
from tests.harness import NatsServer, RunningService, auth, eventually

DE = auth("partner", state="DE")


async def german_denial(denials: RunningService) -> str:
    """Germany's denial of the transaction `application()` describes; its id."""
    r = await denials.client.post("/v1/denials", headers=DE, json={
        "reference": f"DE-{uuid.uuid4().hex[:8]}", "denied_on": "2024-01-15",
        "regime": "military", "destination": "SA",
        "end_user": {"name": "Royal Saudi Land Forces", "country": "SA"},
        "goods_description": "ground surveillance radar", "rating": "ML5", "quantity": 4,
        "criteria": [2, 7]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def registry_screening(denials: RunningService, application_ref: str) -> list[str]:
    """The denial ids denials raises for the case's transaction, naming the case."""
    r = await denials.client.post("/v1/denials/matches", headers=MFA, json={
        "destination": "SA", "rating": "ML5", "application_ref": application_ref,
        "end_user": {"name": "Royal Saudi Land Forces", "country": "SA"}})
    assert r.status_code == 200, r.text
    return [m["denial_id"] for m in r.json()["matches"]]


async def test_a_match_dismissed_in_assessment_is_not_raised_again_by_denials(
        tmp_path: Path, nats_server: NatsServer, denials: RunningService) -> None:
    denial_id = await german_denial(denials)
    async with beside(denials, tmp_path, nats_server.url, None) as assessment:
        app = application()
        await submit(assessment, app)
        case = await screened(assessment, app["id"])
        assert [m["denial_id"] for m in case["denial_matches"]] == [denial_id]
        assert case["consultation"]["blocked"]
        assert case["screening"]["matcher_version"]  # as the registry reported it
        r = await assessment.client.post(f"/v1/cases/{app['id']}/dismissals", headers=MFA,
                                         json={"denial_id": denial_id,
                                               "reason": "the end user is another unit"})
        assert r.status_code == 200, r.text

        async def ruled() -> list[dict[str, Any]]:
            r = await denials.client.get("/v1/denials/matches/dismissals", headers=MFA,
                                         params={"application_ref": app["reference"]})
            return r.json()["items"]  # type: ignore[no-any-return]

        [ruling] = await eventually(ruled)
        assert ruling["denial_id"] == denial_id and ruling["dismissed_by"] == "mfa-1"
        assert ruling["reason"] == "the end user is another unit"
        assert await registry_screening(denials, app["reference"]) == []
        assert await registry_screening(denials, "NL-other-case") == [denial_id]
        async with assessment.runtime.sessions() as session:
            [dismissed] = [e for e in await assessment.runtime.store.read(session, app["id"])
                           if e.type == "MatchDismissed"]
        assert dismissed.payload == {"denial_id": denial_id,
                                     "reason": "the end user is another unit",
                                     "application_id": app["id"],
                                     "application_ref": app["reference"], "state": "DE"}
        async with denials.runtime.sessions() as session:
            stream = await denials.runtime.store.read(session, denial_id)
        assert [e.type for e in stream] == ["DenialRegistered", "MatchDismissed"]
        assert stream[1].causation_id == dismissed.event_id
        assert stream[1].correlation_id == dismissed.correlation_id


async def test_a_token_denials_refuses_fails_screening_until_fixed_and_rerun(
        tmp_path: Path, nats_server: NatsServer, denials: RunningService) -> None:
    denial_id = await german_denial(denials)
    app = application()
    async with beside(denials, tmp_path, nats_server.url, None,
                      denials_token="not-a-token") as assessment:
        await submit(assessment, app)
        case = await screened(assessment, app["id"], "failed")
        assert case["screening"]["failure"]["status"] == 401
        assert case["screening"]["failure"]["problem"]["status"] == 401
    # The operator fixes the token and restarts: the failed screening waits for an assessor.
    async with beside(denials, tmp_path, nats_server.url, None) as assessment:
        await assessment.app.state.screener.screen_pending()
        r = await assessment.client.get(f"/v1/cases/{app['id']}", headers=MFA)
        assert r.json()["screening"]["status"] == "failed"
        r = await assessment.client.post(f"/v1/cases/{app['id']}/screening/retry",
                                         headers=ASSESSOR)
        assert r.status_code == 202, r.text
        case = await screened(assessment, app["id"])
        assert [m["denial_id"] for m in case["denial_matches"]] == [denial_id]
