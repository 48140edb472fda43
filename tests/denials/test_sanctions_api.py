"""Sanctioned parties over HTTP: load the list, see its versions, screen names."""

from __future__ import annotations

from typing import Any

from tests.denials.sanctions_sample import later_version, sample
from tests.harness import RunningService, auth

ADMIN = auth("admin")
ASSESSOR = auth("assessor")
XML = {"Content-Type": "application/xml"}


async def load(svc: RunningService, body: bytes) -> Any:
    return await svc.client.post("/v1/sanctions/lists", content=body,
                                 headers={**ADMIN, **XML})


async def screen(svc: RunningService, *names: str, **extra: Any) -> dict[str, Any]:
    r = await svc.client.post("/v1/sanctions/matches", headers=ASSESSOR,
                              json={"names": [{"name": n} for n in names], **extra})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_loaded_list_is_screened_and_a_reload_records_nothing(
        denials: RunningService) -> None:
    before = await screen(denials, "Volzhskiy Zavod Tochnykh Priborov AO")
    assert before["list_version"] is None and before["matches"] == []
    first = await load(denials, sample())
    assert first.status_code == 201, first.text
    assert first.json()["entities"] == 22 and first.json()["current"] is True
    again = await load(denials, sample())
    assert again.status_code == 200 and again.json()["sha256"] == first.json()["sha256"]
    async with denials.runtime.sessions() as session:
        events = await denials.runtime.store.read(session, "eu-fsf")
    assert [e.type for e in events] == ["SanctionsListLoaded"]
    assert events[0].payload["list_version"] == "2026-11-20T17:52:44.000+01:00"

    found = await screen(denials, "Volzhskiy Zavod Tochnykh Priborov AO", "Nordic Optics AB")
    assert found["list_version"] == "2026-11-20T17:52:44.000+01:00"
    assert found["matcher_version"].startswith("names ")
    [hit] = found["matches"]
    assert hit["entity_id"] == "910001" and hit["alias"] == "АО «Волжский завод точных приборов»"
    assert hit["name_matched"] == "Volzhskiy Zavod Tochnykh Priborov AO"
    assert hit["programme"] == "RUS" and hit["score"] == 1.0 and hit["reasons"]
    assert found["candidates"] < 22  # the name index offered few, not the whole list


async def test_a_new_version_replaces_the_screened_set(denials: RunningService) -> None:
    assert (await load(denials, sample())).status_code == 201
    assert (await screen(denials, "Technostroyimport OOO"))["matches"]
    newer = await load(denials, later_version(without=("910002",)))
    assert newer.status_code == 201 and newer.json()["entities"] == 21
    assert (await screen(denials, "Technostroyimport OOO"))["matches"] == []
    listed = (await denials.client.get("/v1/sanctions/lists", headers=ASSESSOR)).json()
    assert listed["current"] == "2026-11-27T18:00:00.000+01:00"
    assert [v["current"] for v in listed["items"]] == [True, False]
    older = await load(denials, later_version(generated="2026-01-01T00:00:00.000+01:00"))
    assert older.status_code == 409 and "sanctions-list-older" in older.json()["type"]


async def test_bad_loads_and_screenings_answer_4xx(denials: RunningService) -> None:
    c = denials.client
    assert (await c.post("/v1/sanctions/lists", content=sample(), headers=XML)).status_code == 401
    refused = await c.post("/v1/sanctions/lists", content=sample(), headers={**ASSESSOR, **XML})
    assert refused.status_code == 403
    bad = await load(denials, b"<html>no</html>")
    assert bad.status_code == 422 and "export" in bad.json()["detail"]
    assert (await c.post("/v1/sanctions/matches", json={"names": []},
                         headers=ASSESSOR)).status_code == 422
    assert (await c.post("/v1/sanctions/matches", json={"names": [{"name": "x"}]},
                         headers=auth("customs"))).status_code == 403
    partner = await c.post("/v1/sanctions/matches", json={"names": [{"name": "x"}]},
                           headers=auth("partner", state="DE"))
    assert partner.status_code == 200


async def test_the_list_route_takes_a_body_over_the_default_limit_others_do_not(
        denials: RunningService) -> None:
    padding = b"<!-- " + b"x" * (2 * 1024 * 1024) + b" -->\n"
    big = sample().replace(b"<export ", padding + b"<export ", 1)
    assert len(big) > 2 * 1024 * 1024
    assert (await load(denials, big)).status_code == 201
    refused = await denials.client.post("/v1/sanctions/matches", content=big,
                                        headers={**ASSESSOR, "Content-Type": "application/json"})
    assert refused.status_code == 413
