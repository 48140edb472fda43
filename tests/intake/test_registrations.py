"""Registrations for general licences over HTTP: recorded, listed per licence and exporter,
ended; one running registration per exporter and licence."""

from __future__ import annotations

import asyncio

from tests.harness import RunningService, auth
from tests.intake.conftest import CUSTOMS, register, stream


async def test_a_registration_is_recorded_read_and_ended(intake: RunningService) -> None:
    first = await register(intake, "NL003", on="2024-01-15")
    assert {k: first[k] for k in ("code", "exporter", "registered_on", "ended_on")} == {
        "code": "NL003", "exporter": {"name": "Fokker Services", "eori": "NL987654321"},
        "registered_on": "2024-01-15", "ended_on": None}
    url = f"/v1/general-licences/registrations/{first['id']}"
    assert (await intake.client.get(url, headers=auth("assessor"))).json() == first
    end = {"ended_on": "2024-09-01", "reason": "registration withdrawn after an investigation"}
    ended = await intake.client.post(f"{url}/end", json=end, headers=CUSTOMS)
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2024-09-01"
    again = await intake.client.post(f"{url}/end", json=end, headers=CUSTOMS)
    assert again.status_code == 200 and again.json() == ended.json()
    other = await intake.client.post(f"{url}/end", json={**end, "ended_on": "2024-10-01"},
                                     headers=CUSTOMS)
    assert other.status_code == 409
    events = await stream(intake, first["id"])
    assert [e.type for e in events] == ["GeneralLicenceRegistered",
                                        "GeneralLicenceRegistrationEnded"]
    assert events[1].payload["exporter_eori"] == "NL987654321"


async def test_a_second_running_registration_is_a_conflict_naming_the_first(
    intake: RunningService,
) -> None:
    first = await register(intake, "NL004")
    response = await intake.client.post(
        "/v1/general-licences/NL004/registrations", headers=CUSTOMS,
        json={"exporter": {"name": "Fokker", "eori": "NL987654321"},
              "registered_on": "2024-02-01"})
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("already-registered")
    assert problem["registration_id"] == first["id"]


async def test_registrations_raced_for_one_exporter_are_recorded_once(
    intake: RunningService,
) -> None:
    body = {"exporter": {"name": "Damen", "eori": "NL555555555"}, "registered_on": "2024-01-01"}
    answers = await asyncio.gather(*[intake.client.post(
        "/v1/general-licences/NL005/registrations", json=body, headers=CUSTOMS)
        for _ in range(4)])
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    (created,) = [a.json() for a in answers if a.status_code == 201]
    assert {a.json().get("registration_id") for a in answers if a.status_code == 409} == {
        created["id"]}


async def test_registrations_are_listed_per_licence_and_per_exporter_in_pages(
    intake: RunningService,
) -> None:
    for i in range(5):
        await register(intake, "NL006", eori=f"NL10000000{i}", on=f"2024-0{i + 1}-01")
    await register(intake, "NL003", eori="NL100000003", on="2024-06-01")
    url = "/v1/general-licences/NL006/registrations"
    page = (await intake.client.get(url, params={"limit": 2}, headers=auth("mfa"))).json()
    seen = [r["exporter"]["eori"] for r in page["items"]]
    while page["next_cursor"]:
        page = (await intake.client.get(url, params={"limit": 2, "cursor": page["next_cursor"]},
                                        headers=CUSTOMS)).json()
        seen += [r["exporter"]["eori"] for r in page["items"]]
    assert seen == [f"NL10000000{i}" for i in range(5)]
    mine = (await intake.client.get("/v1/exporters/NL100000003/registrations",
                                    headers=CUSTOMS)).json()
    assert [r["code"] for r in mine["items"]] == ["NL006", "NL003"]
    assert mine["next_cursor"] is None


async def test_bad_registrations_answer_4xx(intake: RunningService) -> None:
    exporter = {"name": "Fokker", "eori": "NL987654321"}
    unknown = await intake.client.post("/v1/general-licences/NL999/registrations",
                                       json={"exporter": exporter, "registered_on": "2024-01-01"},
                                       headers=CUSTOMS)
    assert unknown.status_code == 404
    future = await intake.client.post("/v1/general-licences/NL003/registrations",
                                      json={"exporter": exporter, "registered_on": "2999-01-01"},
                                      headers=CUSTOMS)
    assert future.status_code == 422
    assert ["body", "registered_on"] in [e["loc"] for e in future.json()["errors"]]
    assert (await intake.client.get("/v1/general-licences/NL999/registrations",
                                    headers=CUSTOMS)).status_code == 404
    assert (await intake.client.get("/v1/general-licences/NL003/registrations",
                                    params={"cursor": "nonsense"},
                                    headers=CUSTOMS)).status_code == 400
    assert (await intake.client.post("/v1/general-licences/registrations/nope/end",
                                     json={"ended_on": "2024-01-01", "reason": "x"},
                                     headers=CUSTOMS)).status_code == 404
    assert (await intake.client.post("/v1/general-licences/NL003/registrations",
                                     json={"exporter": exporter, "registered_on": "2024-01-01"},
                                     headers=auth("assessor"))).status_code == 403
