"""Identifiers that end in a newline (or hold one) are refused with a 422 naming the field:
Python's `$` matches before a final newline, so every check of an identifier matches the whole
text (`\\Z`, `fullmatch` or pydantic's patterns)."""

from __future__ import annotations

import pytest

from services.intake.domain.realisations import PERIOD
from services.intake.domain.values import EORI
from shared.personal.subjects import SUBJECT
from tests.harness import RunningService
from tests.intake.conftest import CUSTOMS, application, key


def test_the_identifier_patterns_refuse_a_final_newline() -> None:
    for pattern, good in ((EORI, "NL123456789"), (PERIOD, "2024-Q1"),
                          (SUBJECT, "ps_" + "a" * 32)):
        assert pattern.match(good) is not None
        assert pattern.match(good + "\n") is None, pattern.pattern


@pytest.mark.parametrize("bad", ["NL123456789\n", "NL123456789\r\n"])
async def test_an_eori_ending_in_a_newline_is_refused(intake_sqlite: RunningService,
                                                      bad: str) -> None:
    body = application(applicant={"name": "Thales Nederland B.V.", "eori": bad})
    r = await intake_sqlite.client.post("/v1/applications", json=body, headers=key())
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "eori" in r.text.lower()


@pytest.mark.parametrize("bad", ["CDIU-1\n", "CDIU\n-1", "CDIU-1\t"])
async def test_a_reference_holding_a_newline_or_control_character_is_refused(
        intake_sqlite: RunningService, bad: str) -> None:
    r = await intake_sqlite.client.post("/v1/applications", json=application(reference=bad),
                                        headers=key())
    assert r.status_code == 422, r.text
    assert any(e["loc"][-1] == "reference" for e in r.json()["errors"])


@pytest.mark.parametrize("path", [
    "/v1/applications/G%0A", "/v1/applications/G%0D%0A", "/v1/licences/NL-ML-2024-000001%0A",
    "/v1/general-licences/registrations/G%0A", "/v1/general-licences/realisations/G%0A",
    "/v1/classification-requests/G%0A", "/v1/exporters/NL123456789%0A/registrations",
    "/v1/general-licences/NL003%0A/registrations"])
async def test_a_path_id_ending_in_a_newline_is_refused(intake_sqlite: RunningService,
                                                        path: str) -> None:
    r = await intake_sqlite.client.get(path, headers=CUSTOMS)
    assert r.status_code == 422, (path, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["loc"][0] == "path"


async def test_a_well_formed_unknown_id_is_still_not_found(intake_sqlite: RunningService) -> None:
    r = await intake_sqlite.client.get("/v1/applications/G", headers=CUSTOMS)
    assert r.status_code == 404, r.text
