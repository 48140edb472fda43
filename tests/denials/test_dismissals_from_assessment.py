"""Matches dismissed on a case in assessment are ruled out in the registry too, once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from shared.contracts.intake import ApplicationSubmitted
from shared.envelope import Actor, Envelope
from tests.denials.conftest import denial_body, publish, upstream
from tests.harness import RunningService, auth, eventually

DE = auth("partner", state="DE")
NL = auth("assessor")
ASSESSOR = Actor(sub="mfa-official-7", roles=("mfa",))


async def register_denial(svc: RunningService) -> dict[str, Any]:
    """A German denial of cameras for an Israeli end user."""
    r = await svc.client.post("/v1/denials", json=denial_body(), headers=DE)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def dismissed_in_assessment(app_id: str, denial_id: str, **payload: Any) -> Envelope:
    """Assessment's MatchDismissed on the application's stream, caused by an MFA official."""
    return upstream("assessment", "MatchDismissed", app_id,
                    {"denial_id": denial_id, "reason": "other end user: a civilian lab",
                     **payload}, actor=ASSESSOR)


async def rulings(svc: RunningService, application_ref: str) -> list[dict[str, Any]]:
    """The dismissals the registry keeps for one case."""
    r = await svc.client.get("/v1/denials/matches/dismissals",
                             params={"application_ref": application_ref}, headers=NL)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def screen(svc: RunningService, application_ref: str | None) -> list[str]:
    """Denial ids a Dutch screening of the same transaction raises."""
    query: dict[str, Any] = {"destination": "IL", "rating": "ML15",
                             "end_user": {"name": "Troya Tech Defense Ltd", "country": "IL"}}
    if application_ref:
        query["application_ref"] = application_ref
    r = await svc.client.post("/v1/denials/matches", json=query, headers=NL)
    assert r.status_code == 200, r.text
    return [m["denial_id"] for m in r.json()["matches"]]


async def test_a_dismissal_in_assessment_is_recorded_once_and_the_pair_not_raised_again(
        denials: RunningService) -> None:
    denial = await register_denial(denials)
    app_id, ref = str(uuid.uuid4()), f"NL-{uuid.uuid4().hex[:8]}"
    assert await screen(denials, ref) == [denial["id"]]
    env = dismissed_in_assessment(app_id, denial["id"], application_id=app_id,
                                  application_ref=ref, state="DE")
    await publish(denials, env)
    [ruling] = await eventually(lambda: rulings(denials, ref))
    assert ruling["reason"] == "other end user: a civilian lab"
    assert ruling["dismissed_by"] == "mfa-official-7" and ruling["denial_id"] == denial["id"]
    assert dt.datetime.fromisoformat(ruling["dismissed_at"]).tzinfo is not None
    assert await screen(denials, ref) == []
    assert await screen(denials, None) == [denial["id"]]
    assert await screen(denials, "NL-another-case") == [denial["id"]]

    # The same event delivered again (another message id), and a second ruling on the pair,
    # record nothing more; a later event on the same consumer proves both were handled.
    bus = denials.runtime.bus
    await bus.js.publish(env.subject, env.to_json().encode(),
                         headers={"Nats-Msg-Id": f"again-{env.event_id}"})
    await publish(denials, dismissed_in_assessment(app_id, denial["id"], application_ref=ref,
                                                   reason="said twice"))
    later_ref = f"NL-{uuid.uuid4().hex[:8]}"
    await publish(denials, dismissed_in_assessment(str(uuid.uuid4()), denial["id"],
                                                   application_ref=later_ref))
    await eventually(lambda: rulings(denials, later_ref))
    assert [r["reason"] for r in await rulings(denials, ref)] == [
        "other end user: a civilian lab"]
    async with denials.runtime.sessions() as session:
        stream = await denials.runtime.store.read(session, denial["id"])
    assert [e.type for e in stream] == ["DenialRegistered", "MatchDismissed", "MatchDismissed"]
    mirrored = stream[1]
    assert mirrored.actor.sub == "mfa-official-7" and mirrored.causation_id == env.event_id
    assert mirrored.payload["application_ref"] == ref
    assert mirrored.payload["application_id"] == app_id
    assert mirrored.payload["state"] == "DE"
    got = (await denials.client.get(f"/v1/denials/{denial['id']}", headers=DE)).json()
    assert got["version"] == 3


async def test_an_event_without_the_reference_takes_the_application_s(
        denials: RunningService) -> None:
    denial = await register_denial(denials)
    app_id = str(uuid.uuid4())
    ref = f"NL-{app_id[:8]}"
    await publish(denials, upstream("intake", "ApplicationSubmitted", app_id, {
        **ApplicationSubmitted.examples[0], "id": app_id, "reference": ref,
        "destinations": ["IL"], "consignee": None,
        "end_user": {"name": "Troya Tech Defence Ltd", "country": "IL", "type": "company"},
        "goods": [{"description": "thermal cameras", "rating": "ML15a", "quantity": 3,
                   "value_eur": "30000.00"}], "value_eur": "30000.00"}))
    await publish(denials, dismissed_in_assessment(app_id, denial["id"]))
    [ruling] = await eventually(lambda: rulings(denials, ref))
    assert ruling["dismissed_by"] == "mfa-official-7"
    assert await screen(denials, ref) == []


async def test_a_pair_already_ruled_on_in_the_registry_records_nothing_new(
        denials: RunningService) -> None:
    denial = await register_denial(denials)
    ref = f"NL-{uuid.uuid4().hex[:8]}"
    r = await denials.client.post("/v1/denials/matches/dismissals", headers=NL, json={
        "application_ref": ref, "denial_id": denial["id"], "reason": "ruled here first"})
    assert r.status_code == 201, r.text
    await publish(denials, dismissed_in_assessment(str(uuid.uuid4()), denial["id"],
                                                   application_ref=ref))
    later_ref = f"NL-{uuid.uuid4().hex[:8]}"
    await publish(denials, dismissed_in_assessment(str(uuid.uuid4()), denial["id"],
                                                   application_ref=later_ref))
    await eventually(lambda: rulings(denials, later_ref))
    assert [r["reason"] for r in await rulings(denials, ref)] == ["ruled here first"]
    async with denials.runtime.sessions() as session:
        stream = await denials.runtime.store.read(session, denial["id"])
    assert [e.payload.get("application_ref") for e in stream[1:]] == [ref, later_ref]


async def test_a_dismissal_of_an_unknown_denial_is_a_dead_letter_and_the_consumer_goes_on(
        denials: RunningService) -> None:
    denial = await register_denial(denials)
    await publish(denials, dismissed_in_assessment(str(uuid.uuid4()), str(uuid.uuid4()),
                                                   application_ref="NL-unknown"))
    ref = f"NL-{uuid.uuid4().hex[:8]}"
    await publish(denials, dismissed_in_assessment(str(uuid.uuid4()), denial["id"],
                                                   application_ref=ref))
    await eventually(lambda: rulings(denials, ref))

    async def dead() -> int:
        return int(await denials.runtime.dead_letter_count())

    assert await eventually(dead) == 1
    assert await rulings(denials, "NL-unknown") == []
