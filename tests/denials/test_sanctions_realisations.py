"""General-licence realisations screened against the sanctions list as intake reports them."""

from __future__ import annotations

import uuid
from typing import Any

from tests.denials.conftest import publish, upstream
from tests.denials.sanctions_sample import sample
from tests.harness import RunningService, auth, eventually

ASSESSOR = auth("assessor")


def realisation(exporter: str, **changes: Any) -> dict[str, Any]:
    """A RealisationReported payload as intake records it."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()), "code": "NL008", "regime": "military",
        "exporter": {"name": exporter, "eori": "NL1"}, "period": "2026-Q4",
        "direction": "export", "country": "US", "destination": "TR", "value_eur": "12000.00",
        "ratings": ["ML9"], "flagged": False, "flags": [], "checked_on": "2026-11-25",
        "used_on": "2026-11-25"}
    body.update(changes)
    return body


async def test_a_listed_exporter_of_a_realisation_is_recorded_as_a_hit_once(
        denials: RunningService) -> None:
    loaded = await denials.client.post("/v1/sanctions/lists", content=sample(), headers={
        **auth("admin"), "Content-Type": "application/xml"})
    assert loaded.status_code == 201
    listed = realisation("Anatolia Aero Parts San. ve Tic. A.Ş.")
    clear = realisation("Damen Shipyards Gorinchem B.V.")
    for payload in (clear, listed):
        await publish(denials, upstream("intake", "RealisationReported", payload["id"],
                                        payload))
    again = upstream("intake", "RealisationReported", listed["id"], listed)
    await publish(denials, again)  # another event of the same realisation: no second hit
    # Consumed in order: once this one's hit is listed, the repeat above was handled.
    last = realisation("Baltic Avionics Supply Limited")
    await publish(denials, upstream("intake", "RealisationReported", last["id"], last))

    async def found() -> list[dict[str, Any]]:
        r = await denials.client.get("/v1/sanctions/hits", headers=ASSESSOR)
        assert r.status_code == 200, r.text
        return r.json()["items"]  # type: ignore[no-any-return]

    newest, hit = await eventually(lambda: _two(found))
    assert newest["realisation_id"] == last["id"] and newest["entity_id"] == "910018"
    assert hit["realisation_id"] == listed["id"] and hit["entity_id"] == "910022"
    assert hit["party_role"] == "exporter" and hit["code"] == "NL008"
    assert hit["alias"].startswith("Anatolia Aero Parts") and hit["reasons"]
    assert hit["list_version"] == "2026-11-20T17:52:44.000+01:00"

    async with denials.runtime.sessions() as session:
        [recorded] = await denials.runtime.store.read(session, listed["id"])
    assert recorded.type == "RealisationSanctionsHit"
    refused = await denials.client.get("/v1/sanctions/hits", headers=auth("partner", state="DE"))
    assert refused.status_code == 403


async def _two(found: Any) -> list[dict[str, Any]] | None:
    items: list[dict[str, Any]] = await found()
    return items if len(items) >= 2 else None
