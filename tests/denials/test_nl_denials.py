"""Dutch denials decided in assessment enter the registry as NL, without Dutch case data."""

from __future__ import annotations

import uuid
from typing import Any

from tests.denials.conftest import publish, upstream
from tests.harness import RunningService, auth, eventually

DE = auth("partner", state="DE")
NL = auth("assessor")


def application(app_id: str, **changes: Any) -> dict[str, Any]:
    """An ApplicationSubmitted payload as intake records it."""
    body: dict[str, Any] = {
        "id": app_id, "reference": f"NL-{app_id[:8]}", "received_at": "2024-05-01T09:00:00+00:00",
        "regime": "military", "procedure": "sondage", "transaction": "export",
        "licence_type": "individual", "purpose": "definitive", "amends": None,
        "catch_all": False, "applicant": {"name": "Dutch Optics BV", "eori": "NL123456789"},
        "destinations": ["IL", "JO"], "destination_group": None, "origins": [],
        "consignee": {"name": "Levant Logistics", "country": "CY"},
        "end_user": {"name": "Troya Tech Defence Ltd", "country": "IL", "type": "company"},
        "end_use": "secret programme X", "goods": [
            {"description": "thermal cameras", "rating": "ML15a", "quantity": 10,
             "value_eur": "100000.00", "complete_system": False, "annex": None},
            {"description": "spare lenses", "rating": "ML15c", "quantity": 5,
             "value_eur": "5000.00", "complete_system": False, "annex": None}],
        "service_value_eur": None, "value_eur": "105000.00",
    }
    body.update(changes)
    return body


def decided(app_id: str, outcome: str) -> dict[str, Any]:
    """A CaseDecided payload as assessment records it."""
    return {"application_id": app_id, "reference": f"NL-{app_id[:8]}", "outcome": outcome,
            "criteria": [7, 2], "note": "diversion risk", "queue": "mfa",
            "decided_at": "2024-05-31T22:30:00+00:00"}


async def test_a_dutch_denial_is_registered_for_partners_per_destination(
        denials: RunningService) -> None:
    app_id = str(uuid.uuid4())
    await publish(denials, upstream("intake", "ApplicationSubmitted", app_id,
                                    application(app_id)))
    await publish(denials, upstream("assessment", "CaseDecided", app_id,
                                    decided(app_id, "denied")))

    async def registered() -> list[dict[str, Any]]:
        r = await denials.client.get("/v1/denials?state=NL", headers=DE)
        items = r.json()["items"]
        return items if len(items) == 2 else []

    items = await eventually(registered)
    assert sorted(d["destination"] for d in items) == ["IL", "JO"]
    d = items[0]
    assert d["state"] == "NL" and d["reference"] == f"NL-{app_id[:8]}"
    # Decided late on 31 May UTC is 1 June in Amsterdam.
    assert d["denied_on"] == "2024-06-01"
    assert d["criteria"] == [2, 7] and d["quantity"] == 15 and d["rating"] == "ML15a"
    assert d["goods_description"] == "thermal cameras; spare lenses"
    assert d["end_user"] == {"name": "Troya Tech Defence Ltd", "country": "IL"}
    for hidden in ("application_id", "applicant", "end_use", "value_eur", "goods"):
        assert hidden not in d, hidden
    dutch = (await denials.client.get(f"/v1/denials/{d['id']}", headers=NL)).json()
    assert dutch["application_id"] == app_id
    # A partner state's screening finds it; the Dutch one does not (its own denial).
    ask = {"destination": "IL", "end_user": {"name": "TROYA TECH DEFENSE"}, "rating": "ML15"}
    found = (await denials.client.post("/v1/denials/matches", json=ask, headers=DE)).json()
    assert [m["state"] for m in found["matches"]] == ["NL"]
    assert "application_id" not in found["matches"][0]
    mine = (await denials.client.post("/v1/denials/matches", json=ask, headers=NL)).json()
    assert mine["matches"] == []


async def test_an_approval_registers_nothing(denials: RunningService) -> None:
    app_id = str(uuid.uuid4())
    other = str(uuid.uuid4())
    await publish(denials, upstream("intake", "ApplicationSubmitted", app_id,
                                    application(app_id)))
    await publish(denials, upstream("assessment", "CaseDecided", app_id,
                                    decided(app_id, "approved")))
    await publish(denials, upstream("intake", "ApplicationSubmitted", other,
                                    application(other, destinations=["AE"])))
    await publish(denials, upstream("assessment", "CaseDecided", other,
                                    decided(other, "denied")))

    async def one() -> list[Any]:
        items = (await denials.client.get("/v1/denials", headers=NL)).json()["items"]
        return items if items else []

    items = await eventually(one)
    assert [(d["destination"], d["application_id"]) for d in items] == [("AE", other)]
