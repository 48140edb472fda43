"""Shipments under a licence: counted once, never beyond the licence, refusals recorded."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from tests.harness import RunningService, eventually
from tests.intake.conftest import CUSTOMS, Assessment, stream, submit


async def _licence(intake: RunningService, assessment: Assessment, **issue: Any
                   ) -> tuple[str, str]:
    app = await submit(intake)
    number = await assessment.issue(app["id"], **{"destinations": ["NO"], **issue})

    async def known() -> bool:
        r = await intake.client.get(f"/v1/licences/{number}", headers=CUSTOMS)
        return r.status_code == 200

    await eventually(known)
    return number, app["id"]


def _shipment(ref: str, value: str = "100.00", **changes: Any) -> dict[str, Any]:
    return {"declaration_ref": ref, "shipped_on": "2024-06-01", "country": "NO",
            "quantity": 1, "value_eur": value, **changes}


async def _ship(intake: RunningService, number: str, body: dict[str, Any]) -> Any:
    return await intake.client.post(f"/v1/licences/{number}/shipments", json=body,
                                    headers=CUSTOMS)


async def _used(intake: RunningService, number: str) -> tuple[str, str]:
    doc = (await intake.client.get(f"/v1/licences/{number}", headers=CUSTOMS)).json()
    return doc["value_used_eur"], doc["value_left_eur"]


async def test_a_shipment_posted_twice_counts_once(intake: RunningService,
                                                   assessment: Assessment) -> None:
    number, app_id = await _licence(intake, assessment)
    first = await _ship(intake, number, _shipment("MRN-1", "250.50"))
    again = await _ship(intake, number, _shipment("MRN-1", "250.50"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await _used(intake, number) == ("250.50", "749.50")
    events = await stream(intake, app_id)
    assert [e.type for e in events].count("ShipmentRecorded") == 1
    recorded = next(e for e in events if e.type == "ShipmentRecorded").payload
    assert recorded["licence_number"] == number and recorded["regime"] == "military"
    other = await _ship(intake, number, _shipment("MRN-1", "999.00"))
    assert other.status_code == 409


async def test_a_shipment_over_the_remaining_value_is_refused_and_in_the_stream(
    intake: RunningService, assessment: Assessment,
) -> None:
    number, app_id = await _licence(intake, assessment)
    assert (await _ship(intake, number, _shipment("A", "900.00"))).status_code == 201
    refused = await _ship(intake, number, _shipment("B", "100.01"))
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["reason_code"] == "value_exceeded" and "100.00" in problem["detail"]
    assert await _used(intake, number) == ("900.00", "100.00")
    events = await stream(intake, app_id)
    refusal = [e for e in events if e.type == "ShipmentRefused"]
    assert len(refusal) == 1 and refusal[0].payload["declaration_ref"] == "B"
    assert refusal[0].payload["reason_code"] == "value_exceeded"
    # The same refused declaration sent again answers the same, and is not recorded twice.
    assert (await _ship(intake, number, _shipment("B", "100.01"))).status_code == 409
    assert [e.type for e in await stream(intake, app_id)].count("ShipmentRefused") == 1
    # Corrected, it fits exactly.
    assert (await _ship(intake, number, _shipment("B", "100.00"))).status_code == 201
    assert await _used(intake, number) == ("1000.00", "0.00")


async def test_parallel_shipments_cannot_both_squeeze_under_the_value(
    intake: RunningService, assessment: Assessment,
) -> None:
    number, _ = await _licence(intake, assessment)
    responses = await asyncio.gather(*[
        _ship(intake, number, _shipment(f"P-{i}", "300.00")) for i in range(6)])
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201, 201, 409, 409, 409], [r.text for r in responses]
    assert await _used(intake, number) == ("900.00", "100.00")


async def test_a_shipment_raced_with_itself_counts_once(
    intake: RunningService, assessment: Assessment,
) -> None:
    number, _ = await _licence(intake, assessment)
    responses = await asyncio.gather(*[_ship(intake, number, _shipment("TWIN", "10.00"))
                                       for _ in range(3)])
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    assert await _used(intake, number) == ("10.00", "990.00")


async def test_a_country_the_licence_does_not_cover_is_refused(
    intake: RunningService, assessment: Assessment,
) -> None:
    number, _ = await _licence(intake, assessment)
    response = await _ship(intake, number, _shipment("C", country="SE"))
    assert response.status_code == 409 and response.json()["reason_code"] == "country_not_covered"


async def test_a_destination_group_covers_its_members_on_the_day(
    intake: RunningService, assessment: Assessment,
) -> None:
    number, _ = await _licence(intake, assessment, destinations=["EU"], destination_group="EU")
    assert (await _ship(intake, number, _shipment("G1", country="DE"))).status_code == 201
    response = await _ship(intake, number, _shipment("G2", country="NO"))
    assert response.json()["reason_code"] == "country_not_covered"


async def test_shipments_outside_the_validity_are_refused(
    intake: RunningService, assessment: Assessment,
) -> None:
    number, _ = await _licence(intake, assessment, valid_from="2024-01-01",
                               valid_until="2024-12-31")
    early = await _ship(intake, number, _shipment("E", shipped_on="2023-12-31"))
    late = await _ship(intake, number, _shipment("L", shipped_on="2025-01-01"))
    for response in (early, late):
        assert response.status_code == 409
        assert response.json()["reason_code"] == "outside_validity"


async def test_shipments_after_a_revocation_are_refused(
    intake: RunningService, assessment: Assessment,
) -> None:
    number, app_id = await _licence(intake, assessment)
    await assessment.publish(app_id, "LicenceRevoked", {"licence_number": number,
                                                        "reason": "sanctions"},
                             occurred_at=dt.datetime(2024, 7, 1, 10, tzinfo=dt.UTC))
    await eventually(lambda: _status_is(intake, number, "revoked"))
    before = await _ship(intake, number, _shipment("R1", shipped_on="2024-06-30"))
    after = await _ship(intake, number, _shipment("R2", shipped_on="2024-07-01"))
    assert before.status_code == 201
    assert after.status_code == 409 and after.json()["reason_code"] == "revoked"
    events = await stream(intake, app_id)
    assert [e.payload["reason_code"] for e in events if e.type == "ShipmentRefused"] == [
        "revoked"]


async def test_shipments_during_a_suspension_are_refused(
    intake: RunningService, assessment: Assessment,
) -> None:
    number, app_id = await _licence(intake, assessment)
    await assessment.publish(app_id, "LicenceSuspended", {"licence_number": number,
                                                          "reason": "inquiry"},
                             occurred_at=dt.datetime(2024, 7, 1, 10, tzinfo=dt.UTC))
    await eventually(lambda: _status_is(intake, number, "suspended"))
    during = await _ship(intake, number, _shipment("S1", shipped_on="2024-07-02"))
    assert during.status_code == 409 and during.json()["reason_code"] == "suspended"
    await assessment.publish(app_id, "LicenceReinstated", {"licence_number": number,
                                                           "reason": "cleared"},
                             occurred_at=dt.datetime(2024, 8, 1, 10, tzinfo=dt.UTC))
    await eventually(lambda: _status_is(intake, number, "active"))
    assert (await _ship(intake, number, _shipment("S2", shipped_on="2024-08-02"))
            ).status_code == 201
    # A shipment dated inside the suspension stays refused after reinstatement.
    late_report = await _ship(intake, number, _shipment("S3", shipped_on="2024-07-15"))
    assert late_report.json()["reason_code"] == "suspended"


async def _status_is(intake: RunningService, number: str, status: str) -> bool:
    doc = (await intake.client.get(f"/v1/licences/{number}", headers=CUSTOMS)).json()
    return bool(doc["status"] == status)


async def test_unknown_licence_and_future_shipments(intake: RunningService,
                                                    assessment: Assessment) -> None:
    response = await _ship(intake, "NL-UNKNOWN", _shipment("U"))
    assert response.status_code == 404
    number, _ = await _licence(intake, assessment)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = await _ship(intake, number, _shipment("F", shipped_on=tomorrow))
    assert response.status_code == 422
    assert ["body", "shipped_on"] in [e["loc"] for e in response.json()["errors"]]
    licence = (await intake.client.get(f"/v1/licences/{number}", headers=CUSTOMS)).json()
    assert licence["value_eur"] == "1000.00" and licence["destinations"] == ["NO"]


async def test_an_extension_takes_over_the_used_value_and_supersedes_the_old_licence(
    intake: RunningService, assessment: Assessment,
) -> None:
    old, old_app = await _licence(intake, assessment, valid_from="2024-01-01")
    assert (await _ship(intake, old, _shipment("X1", "300.00"))).status_code == 201
    new_app = await submit(intake, amends={"licence_number": old, "kind": "extension"})
    new = await assessment.issue(new_app["id"], destinations=["NO"], valid_from="2024-07-01",
                                 amends={"licence_number": old, "kind": "extension",
                                         "known": True})
    await assessment.publish(new_app["id"], "LicenceIssued", {})  # noise a consumer survives
    await eventually(lambda: _status_is(intake, old, "superseded"))
    assert await _used(intake, new) == ("300.00", "700.00")
    refused = await _ship(intake, old, _shipment("X2", shipped_on="2024-07-02"))
    assert refused.status_code == 409 and refused.json()["reason_code"] == "superseded"
    assert (await _ship(intake, new, _shipment("X3", shipped_on="2024-07-02"))
            ).status_code == 201
    assert old_app != new_app["id"]
    assert await intake.runtime.dead_letter_count() == 1  # the malformed event, set aside


async def test_a_shipment_of_a_banned_item_to_russia_is_refused_naming_the_regulation(
    intake: RunningService, assessment: Assessment,
) -> None:
    goods = [{"description": "frequency changers", "rating": "3A001", "quantity": 5,
              "value_eur": "1000.00", "complete_system": False, "annex": None}]
    number, app_id = await _licence(intake, assessment, destinations=["RU"], regime="dual_use",
                                    valid_from="2014-01-01", goods=goods)
    response = await _ship(intake, number, _shipment("RU-1", country="RU",
                                                     shipped_on="2024-07-01"))
    assert response.status_code == 409
    problem = response.json()
    assert problem["reason_code"] == "sanctions"
    assert "Council Regulation (EU) No 833/2014, art. 2" in problem["detail"]
    refusal = [e.payload for e in await stream(intake, app_id) if e.type == "ShipmentRefused"]
    assert refusal[-1]["cited"] == "Council Regulation (EU) No 833/2014, art. 2"
    before = await _ship(intake, number, _shipment("RU-0", country="RU",
                                                   shipped_on="2014-07-31"))
    assert before.status_code == 201
