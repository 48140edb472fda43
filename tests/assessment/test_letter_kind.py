"""The kind of a document sent to parliament: a Ministry of Defence notice before a surplus sale
is recorded with its kind and may list no licence; a periodic letter must list one."""

from __future__ import annotations

from tests.assessment.conftest import MFA
from tests.assessment.test_dismissals_from_denials import stream
from tests.harness import RunningService


async def test_a_defence_surplus_notice_lists_no_licence_and_keeps_its_kind(
        assessment: RunningService) -> None:
    c = assessment.client
    notice = {"reference": "Kamerbrief 2024-0007", "sent_on": "2024-05-21",
              "destination": "EE", "licence_numbers": [], "note": "sale of surplus howitzers",
              "kind": "defence_surplus_notice"}
    r = await c.post("/v1/parliament-letters", headers=MFA, json=notice)
    assert r.status_code == 201, r.text
    view = r.json()
    assert (view["kind"], view["licence_numbers"], view["reported"]) == (
        "defence_surplus_notice", [], [])
    [sent] = await stream(assessment, view["id"])
    assert sent.type == "ParliamentLetterSent" and sent.version == 1
    assert (sent.payload["kind"], sent.payload["licence_numbers"]) == (
        "defence_surplus_notice", [])
    [kept] = (await c.get("/v1/parliament-letters", headers=MFA)).json()["items"]
    assert kept["kind"] == "defence_surplus_notice"

    r = await c.post("/v1/parliament-letters", headers=MFA,
                     json={**notice, "kind": "periodic_letter"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["loc"] == ["body", "licence_numbers"]
    r = await c.post("/v1/parliament-letters", headers=MFA, json={**notice, "kind": "memo"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "kind"]
