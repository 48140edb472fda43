"""A sanctioned party against the real denials service with the sample sanctions list loaded."""

from __future__ import annotations

from pathlib import Path

from tests.assessment.conftest import MFA, application, beside, submit
from tests.assessment.test_cases import screened
from tests.denials.sanctions_sample import sample
from tests.harness import NatsServer, RunningService, auth

DECIDE = {"outcome": "approve", "criteria": []}


async def test_a_consignee_listed_by_its_cyrillic_name_blocks_approval_until_dismissed(
        tmp_path: Path, nats_server: NatsServer, denials: RunningService) -> None:
    loaded = await denials.client.post("/v1/sanctions/lists", content=sample(), headers={
        **auth("admin"), "Content-Type": "application/xml"})
    assert loaded.status_code == 201, loaded.text
    async with beside(denials, tmp_path, nats_server.url, None) as assessment:
        app = application(consignee={"name": "Volzhskiy Zavod Tochnykh Priborov AO",
                                     "country": "RU"})
        await submit(assessment, app)
        case = await screened(assessment, app["id"])
        [hit] = case["sanctioned_parties"]
        assert hit["party_role"] == "consignee" and hit["entity_id"] == "910001"
        assert hit["alias"] == "АО «Волжский завод точных приборов»"
        assert hit["list_version"] == "2026-11-20T17:52:44.000+01:00"
        assert hit["programme"] == "RUS" and hit["dismissal"] is None
        assert case["sanctions_blocked"] is True
        assert case["screening"]["sanctions_list_version"] == hit["list_version"]

        c = assessment.client
        refused = await c.post(f"/v1/cases/{app['id']}/decision", headers=MFA, json=DECIDE)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["type"].endswith("sanctioned-party")
        assert problem["entity_ids"] == ["910001"]
        assert "consignee 'Volzhskiy Zavod Tochnykh Priborov AO'" in problem["detail"]

        unknown = await c.post(f"/v1/cases/{app['id']}/sanctions-hits/42/dismissal",
                               headers=MFA, json={"reason": "r"})
        assert unknown.status_code == 422
        empty = await c.post(f"/v1/cases/{app['id']}/sanctions-hits/910001/dismissal",
                             headers=MFA, json={})
        assert empty.status_code == 422
        ruled = await c.post(f"/v1/cases/{app['id']}/sanctions-hits/910001/dismissal",
                             headers=MFA, json={"reason": "another plant: Samara, not Ulyanovsk"})
        assert ruled.status_code == 200, ruled.text
        after = ruled.json()
        assert after["sanctions_blocked"] is False
        assert after["sanctioned_parties"][0]["dismissal"]["by"] == "mfa-1"
        assert after["sanctions_dismissals"][0]["reason"] == "another plant: Samara, not Ulyanovsk"
        async with assessment.runtime.sessions() as session:
            events = await assessment.runtime.store.read(session, app["id"])
        [dismissed] = [e for e in events if e.type == "SanctionsHitDismissed"]
        assert dismissed.actor.sub == "mfa-1" and dismissed.payload["entity_id"] == "910001"
        approved = await c.post(f"/v1/cases/{app['id']}/decision", headers=MFA, json=DECIDE)
        assert approved.status_code == 200, approved.text
        assert approved.json()["decision"]["outcome"] == "approved"


async def test_a_case_with_no_listed_party_is_screened_clear(
        tmp_path: Path, nats_server: NatsServer, denials: RunningService) -> None:
    await denials.client.post("/v1/sanctions/lists", content=sample(), headers={
        **auth("admin"), "Content-Type": "application/xml"})
    async with beside(denials, tmp_path, nats_server.url, None) as assessment:
        app = application()
        await submit(assessment, app)
        case = await screened(assessment, app["id"])
        assert case["sanctioned_parties"] == [] and case["sanctions_blocked"] is False
        assert case["screening"]["sanctions_list_version"] == "2026-11-20T17:52:44.000+01:00"
