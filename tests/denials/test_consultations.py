"""Consultations between states, grant notifications, statistics, and who may see what."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.clock import today
from tests.denials.conftest import denial_body
from tests.harness import RunningService, auth

DE = auth("partner", state="DE")
FR = auth("partner", state="FR")
NL = auth("assessor")
MFA = auth("mfa")


async def open_on_de_denial(svc: RunningService) -> tuple[dict[str, Any], dict[str, Any]]:
    d = (await svc.client.post("/v1/denials", json=denial_body(), headers=DE)).json()
    r = await svc.client.post("/v1/consultations", headers=NL, json={
        "denial_id": d["id"], "application_ref": "NL-2024-0042",
        "question": "Is your denial still relevant for thermal cameras to this end user?"})
    assert r.status_code == 201, r.text
    return d, r.json()


async def test_a_consultation_runs_through_reply_and_outcome(denials: RunningService) -> None:
    c = denials.client
    d, opened = await open_on_de_denial(denials)
    assert opened["status"] == "open" and opened["consulting_state"] == "NL"
    assert opened["denying_state"] == "DE"
    assert opened["due_by"] == (today() + dt.timedelta(days=21)).isoformat()
    cid = opened["id"]
    # The consulting state may not answer its own question; the denier may not decide.
    assert (await c.post(f"/v1/consultations/{cid}/reply", json={"answer": "x"},
                         headers=NL)).status_code == 403
    assert (await c.post(f"/v1/consultations/{cid}/outcome",
                         json={"decision": "granted", "reasons": "x"},
                         headers=DE)).status_code == 403
    r = await c.post(f"/v1/consultations/{cid}/reply", headers=DE,
                     json={"answer": "still relevant", "note": "criterion 7 risk remains"})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    assert (await c.post(f"/v1/consultations/{cid}/reply", json={"answer": "again"},
                         headers=DE)).status_code == 409
    received = (await c.get("/v1/consultations?direction=received&status=answered",
                            headers=DE)).json()
    assert [x["id"] for x in received["items"]] == [cid]
    r = await c.post(f"/v1/consultations/{cid}/outcome", headers=MFA, json={
        "decision": "granted", "reasons": "end-use guarantees from the Ministry of Defence"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert (await c.post(f"/v1/consultations/{cid}/outcome", headers=NL,
                         json={"decision": "denied", "reasons": "x"})).status_code == 409
    notes = (await c.get("/v1/notifications", headers=DE)).json()["items"]
    assert [(n["kind"], n["consultation_id"], n["denial_id"]) for n in notes] == [
        ("grant_despite_denial", cid, d["id"])]
    assert notes[0]["reasons"] == "end-use guarantees from the Ministry of Defence"
    assert (await c.get("/v1/notifications", headers=FR)).json()["items"] == []
    async with denials.runtime.sessions() as session:
        stream = await denials.runtime.store.read(session, cid)
    assert [e.type for e in stream] == ["ConsultationOpened", "ConsultationReplied",
                                        "ConsultationClosed", "GrantNotified"]
    closed = stream[2].payload
    assert (closed["application_ref"], closed["consulting_state"],
            closed["denying_state"]) == ("NL-2024-0042", "NL", "DE")
    stats = (await c.get(f"/v1/consultations/stats?year={today().year}", headers=DE)).json()
    assert stats["items"] == [{"state": "DE", "started": 0, "received": 1},
                              {"state": "NL", "started": 1, "received": 0}]
    empty = (await c.get(f"/v1/consultations/stats?year={today().year - 1}",
                         headers=auth("reporter"))).json()
    assert empty["items"] == []


async def test_another_state_sees_nothing_of_a_consultation(denials: RunningService) -> None:
    c = denials.client
    _d, opened = await open_on_de_denial(denials)
    cid = opened["id"]
    assert (await c.get(f"/v1/consultations/{cid}", headers=FR)).status_code == 404
    assert (await c.get(f"/v1/consultations/{cid}", headers=DE)).status_code == 200
    assert (await c.get(f"/v1/consultations/{cid}", headers=NL)).status_code == 200
    assert (await c.get("/v1/consultations", headers=FR)).json()["items"] == []
    assert (await c.post(f"/v1/consultations/{cid}/reply", json={"answer": "x"},
                         headers=FR)).status_code == 404
    assert (await c.post(f"/v1/consultations/{cid}/outcome",
                         json={"decision": "granted", "reasons": "x"},
                         headers=FR)).status_code == 404
    assert (await c.get("/v1/consultations", headers=auth("customs"))).status_code == 403
    assert (await c.get("/v1/consultations")).status_code == 401


async def test_a_consultation_needs_another_states_active_denial(
        denials: RunningService) -> None:
    c = denials.client
    own = (await c.post("/v1/denials", json=denial_body(), headers=DE)).json()
    ask = {"denial_id": own["id"], "application_ref": "DE-APP-1", "question": "?"}
    assert (await c.post("/v1/consultations", json=ask, headers=DE)).status_code == 409
    assert (await c.post("/v1/consultations", json={**ask, "denial_id": "nope"},
                         headers=NL)).status_code == 404
    first = await c.post("/v1/consultations", json=ask, headers=FR)
    assert first.status_code == 201
    dup = await c.post("/v1/consultations", json=ask, headers=FR)
    assert dup.status_code == 409 and dup.json()["consultation_id"] == first.json()["id"]
    await c.post(f"/v1/denials/{own['id']}/revoke", headers=DE)
    assert (await c.post("/v1/consultations", json={**ask, "application_ref": "FR-2"},
                         headers=FR)).status_code == 409
    assert (await c.post("/v1/consultations", json={"denial_id": own["id"]},
                         headers=FR)).status_code == 422
