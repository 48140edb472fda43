"""General-licence realisations: judged on their period's conditions, flagged, never dropped."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.harness import NatsServer, RunningService, run_service
from tests.intake.conftest import CUSTOMS, register, stream

CODES = ("NL003", "NL004", "NL006", "NL007", "NL008", "NL009", "NL900", "EU001")


@pytest.fixture
async def registered(intake: RunningService) -> RunningService:
    """Intake with the reports' exporter registered for the general licences used here."""
    for code in CODES:
        await register(intake, code)
    return intake


def _realisation(**changes: Any) -> dict[str, Any]:
    body = {"exporter": {"name": "Fokker Services", "eori": "NL987654321"}, "period": "2024",
            "direction": "export", "country": "DE", "value_eur": "12000.00",
            "ratings": ["ML10h"]}
    return {**body, **changes}


async def _report(intake: RunningService, code: str, body: dict[str, Any],
                  key: str | None = None) -> Any:
    headers = {**CUSTOMS, "Idempotency-Key": key or str(uuid.uuid4())}
    return await intake.client.post(f"/v1/general-licences/{code}/realisations", json=body,
                                    headers=headers)


async def test_a_realisation_within_the_conditions_is_not_flagged(
    registered: RunningService,
) -> None:
    response = await _report(registered, "NL003", _realisation(direction="transfer"))
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["flagged"] is False and doc["flags"] == []
    events = await stream(registered, doc["id"])
    assert [e.type for e in events] == ["RealisationReported"]
    assert events[0].payload["regime"] == "military" and events[0].payload["code"] == "NL003"


async def test_a_transit_to_turkey_under_nl008_is_stored_and_flagged(
    registered: RunningService,
) -> None:
    body = _realisation(direction="transit", country="US", destination="TR", ratings=["ML4"])
    response = await _report(registered, "NL008", body)
    assert response.status_code == 201
    doc = response.json()
    assert doc["flagged"] is True and any("TR" in f for f in doc["flags"])
    stored = await registered.client.get(f"/v1/general-licences/realisations/{doc['id']}",
                                         headers=CUSTOMS)
    assert stored.json()["flagged"] is True
    assert (await stream(registered, doc["id"]))[0].payload["flagged"] is True


async def test_nl009_towards_israel_is_flagged_from_its_court_ruling_on(
    registered: RunningService,
) -> None:
    body = _realisation(country="IL", ratings=["ML10"])
    before = (await _report(registered, "NL009", {**body, "period": "2023-Q4"})).json()
    after = (await _report(registered, "NL009", {**body, "period": "2024-Q1"})).json()
    assert before["flagged"] is False and before["checked_on"] == "2023-12-31"
    assert after["flagged"] is True and after["checked_on"] == "2024-03-31"


async def test_a_dual_use_licence_with_a_destination_it_lacks_is_flagged(
    registered: RunningService,
) -> None:
    ok = (await _report(registered, "EU001", _realisation(country="US", ratings=["3A001"]))).json()
    bad = (await _report(registered, "EU001", _realisation(country="CN", ratings=["3A001"]))).json()
    assert ok["flagged"] is False and bad["flagged"] is True


async def test_realisations_are_idempotent_per_key(intake: RunningService) -> None:
    body = _realisation()
    first = await _report(intake, "NL004", body, key="real-1")
    again = await _report(intake, "NL004", body, key="real-1")
    other = await _report(intake, "NL004", {**body, "value_eur": "1.00"}, key="real-1")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json() == first.json()


async def test_identical_realisations_raced_are_recorded_once(intake: RunningService) -> None:
    for round_ in range(3):
        body = _realisation(value_eur=f"{100 + round_}.00")
        key = f"race-{uuid.uuid4()}"
        answers = await asyncio.gather(*[_report(intake, "NL004", body, key=key)
                                         for _ in range(5)])
        assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201], \
            [a.text for a in answers]
        assert len({a.json()["id"] for a in answers}) == 1
        assert len(await stream(intake, answers[0].json()["id"])) == 1


async def test_bad_realisations_name_the_field(intake: RunningService) -> None:
    cases = [
        (_realisation(period="2024-Q5"), ["body", "period"]),
        (_realisation(period="2999"), ["body", "period"]),
        (_realisation(country="XX"), ["body", "country"]),
        (_realisation(ratings=["banana"]), ["body", "ratings", 0]),
        (_realisation(value_eur="-5"), ["body", "value_eur"]),
        (_realisation(direction="smuggling"), ["body", "direction"]),
        (_realisation(exporter={"name": "x", "eori": "??"}), ["body", "exporter", "eori"]),
    ]
    for body, loc in cases:
        response = await _report(intake, "NL003", body)
        assert response.status_code == 422, (body, response.text)
        assert loc in [e["loc"] for e in response.json()["errors"]], response.text
    unknown = await _report(intake, "NL999", _realisation())
    assert unknown.status_code == 404
    assert ["path", "code"] in [e["loc"] for e in unknown.json()["errors"]]


async def _flag_codes(intake: RunningService, code: str, **changes: Any) -> list[str]:
    response = await _report(intake, code, _realisation(**changes))
    assert response.status_code == 201, response.text
    doc = response.json()
    assert len(doc["flag_codes"]) == len(doc["flags"]) and doc["flagged"] is bool(doc["flags"])
    return doc["flag_codes"]  # type: ignore[no-any-return]


async def test_the_2024_record_s_lawful_uses_are_not_flagged(registered: RunningService) -> None:
    assert await _flag_codes(registered, "NL006", country="CA") == []
    assert await _flag_codes(registered, "NL007", direction="transit", country="BR",
                             ratings=["ML1"]) == []
    assert await _flag_codes(registered, "NL008", direction="transit", country="US",
                             ratings=["ML4"]) == []
    assert await _flag_codes(registered, "NL009", country="GU", ratings=["ML10"]) == []
    assert await _flag_codes(registered, "NL009", country="IL", ratings=["ML10"],
                             period="2024-Q1", used_on="2024-01-15") == []


async def test_uses_outside_the_record_s_conditions_are_flagged_with_their_code(
    registered: RunningService,
) -> None:
    response = await _report(registered, "NL009", _realisation(
        country="IL", ratings=["ML10"], period="2024-Q1", used_on="2024-03-01"))
    doc = response.json()
    assert doc["flag_codes"] == ["licence-not-valid-on-date"]
    assert doc["used_on"] == doc["checked_on"] == "2024-03-01"
    events = await stream(registered, doc["id"])
    assert events[0].version == 2 and events[0].payload["used_on"] == "2024-03-01"
    assert events[0].payload["flags"] == [{"code": "licence-not-valid-on-date",
                                           "text": doc["flags"][0], "cited": None}]
    assert await _flag_codes(registered, "NL900", country="US", ratings=["3B904"],
                             used_on="2024-06-15") == ["licence-not-valid-on-date"]
    assert await _flag_codes(registered, "NL007", direction="transit", country="BR",
                             origin="RU", ratings=["ML1"]) == ["origin-not-covered"]


async def test_a_day_of_use_outside_the_period_is_refused(intake: RunningService) -> None:
    response = await _report(intake, "NL003", _realisation(period="2024-Q2",
                                                           used_on="2024-07-01"))
    assert response.status_code == 422
    assert ["body", "used_on"] in [e["loc"] for e in response.json()["errors"]]


async def test_a_use_before_registration_is_flagged_and_after_it_not(
    intake: RunningService,
) -> None:
    body = _realisation(direction="transfer", period="2024-Q2")
    before = await _report(intake, "NL003", {**body, "used_on": "2024-04-10"})
    assert before.status_code == 201
    assert before.json()["flag_codes"] == ["not-registered"]
    await register(intake, "NL003", on="2024-05-01")
    after = await _report(intake, "NL003", {**body, "used_on": "2024-05-01"})
    assert after.json()["flagged"] is False and after.json()["flag_codes"] == []
    stored = await intake.client.get(f"/v1/general-licences/realisations/{before.json()['id']}",
                                     headers=CUSTOMS)
    assert stored.json()["flag_codes"] == ["not-registered"]


async def test_nl004_to_an_uncertified_recipient_is_flagged_naming_the_register(
    registered: RunningService,
) -> None:
    transfer = {"direction": "transfer", "country": "DE", "used_on": "2024-06-01"}
    certified = await _report(registered, "NL004", _realisation(
        **transfer, recipient={"name": "Nordwerk Wehrtechnik GmbH", "country": "DE"}))
    assert certified.json()["flag_codes"] == []
    other = await _report(registered, "NL004", _realisation(
        **transfer, recipient={"name": "Unlisted Arms GmbH", "country": "DE"}))
    doc = other.json()
    assert doc["flag_codes"] == ["recipient-not-certified"]
    assert "certified_recipients 2024.1" in doc["flags"][0]
    assert {"name": "certified_recipients", "version": "2024.1"} in doc["registers"]
    assert doc["recipient"] == {"name": "Unlisted Arms GmbH", "country": "DE"}


async def test_the_office_s_own_register_file_is_read_from_the_setting(
    nats_server: NatsServer, tmp_path: Path,
) -> None:
    office = tmp_path / "certified.json"
    office.write_text(json.dumps({
        "source": "the office's copy of CERTEX", "valid_from": "2024-01-01", "version": "2024.7",
        "entries": [{"name": "Unlisted Arms GmbH", "country": "DE", "from": "2024-05-01"}]}))
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url,
                           db=f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}",
                           certified_recipients=office) as intake:
        await register(intake, "NL004")
        doc = (await _report(intake, "NL004", _realisation(
            direction="transfer", country="DE", used_on="2024-06-01",
            recipient={"name": "Unlisted Arms GmbH", "country": "DE"}))).json()
    assert doc["flag_codes"] == []
    assert {"name": "certified_recipients", "version": "2024.7"} in doc["registers"]
