"""Reading personal data is logged (who, whose, when, through which route), never evented."""

from __future__ import annotations

import logging

import pytest

from shared.personal.access import log_access, opened_subjects
from shared.personal.erased import Erased
from shared.personal.subjects import Subjects
from tests.personal.contracts import Party, Person, PersonRegistered


def test_a_read_of_personal_fields_is_logged_with_reader_subjects_route_and_time(
    caplog: pytest.LogCaptureFixture, subjects: Subjects
) -> None:
    jan, piet = subjects.private_party("Jan", "NL"), subjects.private_party("Piet", "NL")
    with caplog.at_level(logging.INFO, logger="licensing.personal.access"):
        log_access(principal="assessor-7", route="GET /v1/cases/{case_id}",
                   subjects=[piet, jan, jan])
        log_access(principal="assessor-7", route="GET /v1/cases", subjects=[])
    [record] = caplog.records
    assert record.personal_access["principal"] == "assessor-7"  # type: ignore[attr-defined]
    assert record.personal_access["subjects"] == sorted([jan, piet])  # type: ignore[attr-defined]
    assert record.personal_access["route"] == "GET /v1/cases/{case_id}"  # type: ignore[attr-defined]
    assert "assessor-7" in record.getMessage() and jan in record.getMessage()
    assert "Jan" not in record.getMessage().replace(jan, "")  # ids, never names


def test_only_subjects_whose_fields_are_readable_count_as_read(subjects: Subjects) -> None:
    jan, piet = subjects.private_party("Jan", "NL"), subjects.private_party("Piet", "NL")
    event = PersonRegistered(
        case="c1", person=Person(name=Erased(jan), email=Erased(jan), subject=jan),
        parties=[Party(name="Piet", kind="person", subject=piet),
                 Party(name="Thales", kind="company", subject=None)])
    assert opened_subjects(event) == {piet}
