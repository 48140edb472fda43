"""The registry over HTTP: register, read, revoke, renew, expiry, screening, dismissals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.clock import today
from tests.denials.conftest import denial_body
from tests.harness import RunningService, auth, eventually

DE = auth("partner", state="DE")
FR = auth("partner", state="FR")
NL = auth("assessor")


async def events_of(svc: RunningService, stream_id: str) -> list[Any]:
    """The events recorded on one stream."""
    async with svc.runtime.sessions() as session:
        return await svc.runtime.store.read(session, stream_id)


async def register(svc: RunningService, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    r = await svc.client.post("/v1/denials", json=denial_body(**changes), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_partner_registers_reads_and_lists_its_denial(denials: RunningService) -> None:
    created = await register(denials, DE, consignee="Levant Logistics")
    assert created["state"] == "DE" and created["active"] is True
    assert created["active_until"] == "2027-02-28" and created["expires_on"] == "2027-03-01"
    assert created["consignee"] == {"name": "Levant Logistics", "country": None}
    got = (await denials.client.get(f"/v1/denials/{created['id']}", headers=FR)).json()
    assert got["reference"] == created["reference"]
    listed = (await denials.client.get("/v1/denials?destination=IL&state=DE&active=true",
                                       headers=NL)).json()
    assert [d["id"] for d in listed["items"]] == [created["id"]]
    [env] = await events_of(denials, created["id"])
    assert env.type == "DenialRegistered" and env.actor.state == "DE"
    assert env.payload["criteria"] == [2, 4, 7]


async def test_lists_page_with_a_cursor(denials: RunningService) -> None:
    ids = {(await register(denials, DE))["id"] for _ in range(3)}
    first = (await denials.client.get("/v1/denials?limit=2", headers=DE)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await denials.client.get(f"/v1/denials?limit=2&cursor={first['next_cursor']}",
                                       headers=DE)).json()
    assert {d["id"] for d in first["items"] + second["items"]} == ids
    assert second["next_cursor"] is None


async def test_bad_requests_answer_4xx_naming_the_problem(denials: RunningService) -> None:
    c = denials.client
    assert (await c.post("/v1/denials", json=denial_body())).status_code == 401
    assert (await c.post("/v1/denials", json=denial_body(), headers=NL)).status_code == 403
    cases = [
        ({"destination": "XX"}, "destination"),
        ({"rating": "ML99"}, "rating"),
        ({"criteria": [9]}, "criteria"),
        ({"criteria": []}, "criteria"),
        ({"quantity": 10**13}, "quantity"),
        ({"reference": "x" * 301}, "reference"),
        ({"denied_on": (today() + dt.timedelta(days=2)).isoformat()}, "future"),
        ({"end_user": {"name": "A"}}, "end_user"),
    ]
    for change, word in cases:
        r = await c.post("/v1/denials", json=denial_body(**change), headers=DE)
        assert r.status_code == 422, (change, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert word in r.json()["detail"], (change, r.json())
    body = denial_body()
    assert (await c.post("/v1/denials", json=body, headers=DE)).status_code == 201
    again = await c.post("/v1/denials", json=body, headers=DE)
    assert again.status_code == 409 and "already registered" in again.json()["detail"]
    assert (await c.get("/v1/denials/nope", headers=DE)).status_code == 404
    assert (await c.post("/v1/denials/matches", json={"destination": "IL"},
                         headers=DE)).status_code == 422


async def test_only_the_notifying_state_revokes_or_renews(denials: RunningService) -> None:
    d = await register(denials, DE)
    c = denials.client
    r = await c.post(f"/v1/denials/{d['id']}/revoke", json={"reason": "x"}, headers=FR)
    assert r.status_code == 403
    r = await c.post(f"/v1/denials/{d['id']}/renew", json={"denied_on": "2024-04-01"},
                     headers=NL)
    assert r.status_code == 403
    r = await c.post(f"/v1/denials/{d['id']}/renew", json={"denied_on": "2024-04-01"},
                     headers=DE)
    assert r.status_code == 200 and r.json()["expires_on"] == "2027-04-01"
    r = await c.post(f"/v1/denials/{d['id']}/revoke", json={"reason": "licence granted on "
                                                            "appeal"}, headers=DE)
    assert r.status_code == 200
    assert r.json()["active"] is False and r.json()["status"] == "revoked"
    assert (await c.post(f"/v1/denials/{d['id']}/revoke", headers=DE)).status_code == 409
    types = [e.type for e in await events_of(denials, d["id"])]
    assert types == ["DenialRegistered", "DenialRenewed", "DenialRevoked"]


async def test_an_expired_denial_is_recorded_and_shown_inactive(denials: RunningService) -> None:
    old = (today() - dt.timedelta(days=3 * 366)).isoformat()
    d = await register(denials, DE, denied_on=old)
    assert d["active"] is False and d["status"] == "expired"

    async def expired() -> bool:
        return "DenialExpired" in [e.type for e in await events_of(denials, d["id"])]

    await eventually(expired)
    before = (await denials.client.post("/v1/denials/matches", headers=NL, json={
        "destination": "IL", "end_user": {"name": "Troya Tech Defense Ltd."},
        "rating": "ML15"})).json()
    assert before["matches"] == []
    r = await denials.client.post(f"/v1/denials/{d['id']}/renew",
                                  json={"denied_on": today().isoformat()}, headers=DE)
    assert r.json()["active"] is True
    after = (await denials.client.post("/v1/denials/matches", headers=NL, json={
        "destination": "IL", "end_user": {"name": "Troya Tech Defense Ltd."},
        "rating": "ML15"})).json()
    assert [m["denial_id"] for m in after["matches"]] == [d["id"]]
    assert after["registry_version"] > before["registry_version"]


async def test_screening_finds_other_states_denials_and_explains(denials: RunningService) -> None:
    hit = await register(denials, DE)
    await register(denials, DE, destination="JO")
    revoked = await register(denials, FR, end_user={"name": "Troya Tech Defence",
                                                     "country": "IL"})
    await denials.client.post(f"/v1/denials/{revoked['id']}/revoke", headers=FR)
    await register(denials, FR, end_user={"name": "Troya Marine", "country": "IL"})
    await register(denials, DE, rating="ML4", end_user={"name": "Troya Tech Defence",
                                                         "country": "IL"})
    ask = {"destination": "IL", "end_user": {"name": "Troya Tech Defense Ltd.", "country": "IL"},
           "rating": "ml15"}
    r = await denials.client.post("/v1/denials/matches", json=ask, headers=NL)
    assert r.status_code == 200, r.text
    body = r.json()
    [match] = body["matches"]
    assert match["denial_id"] == hit["id"] and match["state"] == "DE"
    assert match["reasons"] == ["same destination IL",
                                "end user 'Troya Tech Defense Ltd.' = "
                                "'TROYA TECH DEFENCE LIMITED' (1.00: 'defense' read as "
                                "'defence'; legal forms 'ltd', 'limited' set aside; same words)",
                                "rating ML15 = ML15"]
    assert body["registry_version"] == 6
    # The caller's own denial never matches.
    own = (await denials.client.post("/v1/denials/matches", json=ask, headers=DE)).json()
    assert own["matches"] == []
    # On a date before the denial it was not active.
    past = (await denials.client.post("/v1/denials/matches", json={**ask, "on": "2024-01-01"},
                                      headers=NL)).json()
    assert past["matches"] == []


async def test_a_dismissed_match_is_not_raised_again_for_that_case(
        denials: RunningService) -> None:
    d = await register(denials, DE)
    ask = {"destination": "IL", "end_user": {"name": "Troya Tech Defence"}, "rating": "ML15a",
           "application_ref": "NL-2024-0001"}
    assert len((await denials.client.post("/v1/denials/matches", json=ask,
                                          headers=NL)).json()["matches"]) == 1
    dismissal = {"application_ref": "NL-2024-0001", "denial_id": d["id"],
                 "reason": "other end user: a civil police unit, not the defence company"}
    assert (await denials.client.post("/v1/denials/matches/dismissals", json=dismissal,
                                      headers=DE)).status_code == 403
    r = await denials.client.post("/v1/denials/matches/dismissals", json=dismissal, headers=NL)
    assert r.status_code == 201
    again = await denials.client.post("/v1/denials/matches/dismissals", json=dismissal,
                                      headers=NL)
    assert again.status_code == 200
    assert (await denials.client.post("/v1/denials/matches", json=ask,
                                      headers=NL)).json()["matches"] == []
    other_case = {**ask, "application_ref": "NL-2024-0002"}
    assert len((await denials.client.post("/v1/denials/matches", json=other_case,
                                          headers=NL)).json()["matches"]) == 1
    types = [e.type for e in await events_of(denials, d["id"])]
    assert types.count("MatchDismissed") == 1
    listed = (await denials.client.get(
        "/v1/denials/matches/dismissals?application_ref=NL-2024-0001", headers=NL)).json()
    assert [x["denial_id"] for x in listed["items"]] == [d["id"]]
