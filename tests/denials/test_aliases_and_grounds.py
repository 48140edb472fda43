"""Denials with several names per party, and with the grounds of their regime, over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

from shared.contracts.denials import DenialRegistered
from tests.denials.conftest import denial_body, publish, upstream
from tests.denials.test_nl_denials import application, decided
from tests.harness import RunningService, auth, eventually

DE = auth("partner", state="DE")
FR = auth("partner", state="FR")
NL = auth("assessor")


async def register(svc: RunningService, **changes: Any) -> dict[str, Any]:
    r = await svc.client.post("/v1/denials", json=denial_body(**changes), headers=DE)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def screening(svc: RunningService, end_user: dict[str, Any], *,
                    destination: str = "IL", **more: Any) -> dict[str, Any]:
    r = await svc.client.post("/v1/denials/matches", headers=NL, json={
        "destination": destination, "rating": "ML15", "end_user": end_user, **more})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_an_alias_in_cyrillic_is_registered_and_matched(denials: RunningService) -> None:
    d = await register(denials, end_user={"name": "Rosoboronexport", "country": "RU",
                                          "aliases": ["Рособоронэкспорт", "ROE"]},
                       destination="SY")
    assert d["end_user"] == {"name": "Rosoboronexport", "country": "RU",
                             "aliases": ["Рособоронэкспорт", "ROE"]}
    for asked in ("Рособоронэкспорт", "Rosoboronexport JSC"):
        found = await screening(denials, {"name": asked}, destination="SY")
        assert [m["denial_id"] for m in found["matches"]] == [d["id"]], asked
    assert found["matcher_version"]
    async with denials.runtime.sessions() as session:
        [registered] = await denials.runtime.store.read(session, d["id"])
    assert registered.payload["end_user_aliases"] == ["Рособоронэкспорт", "ROE"]


async def test_a_name_in_its_own_script_matches_only_through_the_alias(
        denials: RunningService) -> None:
    plain = await register(denials, end_user={"name": "China North Industries Group Corporation",
                                              "country": "CN"}, destination="MM")
    aliased = await register(denials, end_user={
        "name": "China North Industries Group Corporation", "country": "CN",
        "aliases": ["中国北方工业集团有限公司"]}, destination="MM")
    found = await screening(denials, {"name": "中国北方工业集团有限公司"}, destination="MM")
    [match] = found["matches"]
    assert match["denial_id"] == aliased["id"] != plain["id"]
    assert "(alias of 'China North Industries Group Corporation')" in match["reasons"][1]
    # The asker's aliases are compared too: the plain denial is found by the translation.
    both = await screening(denials, {"name": "中国北方工业集团有限公司",
                                     "aliases": ["China North Industries Group Corp."]},
                           destination="MM")
    assert sorted(m["denial_id"] for m in both["matches"]) == sorted([plain["id"],
                                                                     aliased["id"]])


async def test_a_consignee_alias_is_filed_and_matched(denials: RunningService) -> None:
    d = await register(denials, consignee={"name": "Levant Logistics", "country": "CY",
                                           "aliases": ["Λεβάντ Λότζιστικς"]})
    assert d["consignee"]["aliases"] == ["Λεβάντ Λότζιστικς"]
    found = await screening(denials, {"name": "Someone Else"},
                            consignee={"name": "Λεβάντ Λότζιστικς"})
    assert [m["denial_id"] for m in found["matches"]] == [d["id"]]


async def test_a_denial_shows_and_notifies_the_grounds_of_its_regime(
        denials: RunningService) -> None:
    wmd = await register(denials, regime="dual_use", rating="1C350", criteria=[],
                         grounds=["art4-wmd"])
    torture = await register(denials, regime="anti_torture", rating="III.2", criteria=[],
                             grounds=["annex-iii-torture"])
    military = await register(denials)
    for d, grounds in ((wmd, ["art4-wmd"]), (torture, ["annex-iii-torture"]), (military, [])):
        got = (await denials.client.get(f"/v1/denials/{d['id']}", headers=FR)).json()
        assert got["grounds"] == grounds and d["grounds"] == grounds
        async with denials.runtime.sessions() as session:
            [env] = await denials.runtime.store.read(session, d["id"])
        assert DenialRegistered.model_validate(env.payload).grounds == grounds
    refused: list[tuple[dict[str, Any], str]] = [
        ({"grounds": ["art4-wmd"]}, "military"),
        ({"regime": "dual_use", "rating": None, "criteria": []}, "dual-use"),
        ({"regime": "anti_torture", "rating": None, "criteria": [],
          "grounds": ["art5-human-rights"]}, "art5-human-rights"),
        ({"grounds": ["art99"]}, "grounds")]
    for change, word in refused:
        r = await denials.client.post("/v1/denials", json=denial_body(**change), headers=DE)
        assert r.status_code == 422, (change, r.text)
        assert word in r.json()["detail"], (change, r.json())


async def test_a_dutch_denial_carries_the_grounds_of_its_decision(
        denials: RunningService) -> None:
    app_id = str(uuid.uuid4())
    await publish(denials, upstream("intake", "ApplicationSubmitted", app_id, application(
        app_id, regime="dual_use", destinations=["IL"],
        goods=[{"description": "centrifuge parts", "rating": "2B350", "quantity": 2,
                "value_eur": "90000.00", "complete_system": False, "annex": None}])))
    await publish(denials, upstream("assessment", "CaseDecided", app_id, {
        **decided(app_id, "denied"), "criteria": [], "grounds": ["art4-wmd"]}))

    async def registered() -> list[dict[str, Any]]:
        r = await denials.client.get("/v1/denials?state=NL", headers=DE)
        return r.json()["items"]  # type: ignore[no-any-return]

    [d] = await eventually(registered)
    assert d["regime"] == "dual_use" and d["grounds"] == ["art4-wmd"] and d["criteria"] == []
