"""Catch-all requirements imposed in assessment, applied by intake: a covered realisation is
flagged and a covered shipment refused, each citing the requirement, until it is lifted."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tests.harness import RunningService, eventually
from tests.intake.conftest import CUSTOMS, Assessment, register, stream, submit

ACME = {"name": "Acme Optics B.V.", "eori": "NL999999999"}


async def _impose(assessment: Assessment, rid: str, destination: str) -> None:
    await assessment.publish(rid, "CatchAllRequirementImposed", {
        "id": rid, "regime": "military", "exporter": ACME, "goods_description": "optics",
        "destination": destination, "end_user_name": None, "ground": "military-end-use-embargo",
        "note": None, "imposed_on": "2024-04-02"})


async def _ship(intake: RunningService, number: str, ref: str, day: str) -> Any:
    return await intake.client.post(f"/v1/licences/{number}/shipments", headers=CUSTOMS, json={
        "declaration_ref": ref, "shipped_on": day, "country": "NO", "quantity": 1,
        "value_eur": "10.00"})


async def _realisation(intake: RunningService, day: str) -> dict[str, Any]:
    response = await intake.client.post(
        "/v1/general-licences/NL003/realisations",
        headers={**CUSTOMS, "Idempotency-Key": str(uuid.uuid4())},
        json={"exporter": ACME, "period": "2024", "direction": "export", "country": "NO",
              "value_eur": "100.00", "ratings": ["ML10"], "used_on": day})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_catch_all_requirement_flags_uses_and_refuses_shipments_until_lifted(
    intake: RunningService, assessment: Assessment,
) -> None:
    rid = f"ca-{uuid.uuid4().hex[:8]}"
    await register(intake, "NL003", eori=ACME["eori"], name=ACME["name"])
    app = await submit(intake)
    number = await assessment.issue(app["id"], destinations=["NO"], applicant=ACME)
    await _impose(assessment, rid, "NO")

    async def refused() -> Any:
        response = await _ship(intake, number, f"D-{uuid.uuid4().hex[:6]}", "2024-05-01")
        return response if response.status_code == 409 else None

    response = await eventually(refused)
    problem = response.json()
    assert problem["reason_code"] == "catch_all_requirement" and rid in problem["detail"]
    events = await stream(intake, app["id"])
    refusal = [e.payload for e in events if e.type == "ShipmentRefused"][-1]
    assert (refusal["reason_code"], refusal["cited"]) == ("catch_all_requirement", rid)
    flagged = await _realisation(intake, "2024-05-01")
    assert flagged["flag_codes"] == ["catch-all-requirement"] and rid in flagged["flags"][0]
    before = await _realisation(intake, "2024-04-01")
    assert before["flag_codes"] == []

    await assessment.publish(rid, "CatchAllRequirementLifted", {
        "id": rid, "lifted_on": "2024-10-01", "reason": "end user no longer of concern"},
        occurred_at=dt.datetime(2024, 10, 1, 9, tzinfo=dt.UTC))

    async def lifted() -> bool:
        return (await _ship(intake, number, f"L-{uuid.uuid4().hex[:6]}", "2024-10-02")
                ).status_code == 201

    await eventually(lifted)
    assert (await _realisation(intake, "2024-10-02"))["flag_codes"] == []
    assert (await _realisation(intake, "2024-09-30"))["flag_codes"] == ["catch-all-requirement"]
