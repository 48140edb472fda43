"""Realisations and the conditions of general licences, when a report, then the realisation
recorded with its flags (no database, no NATS)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from services.intake.domain.general_licences import check
from services.intake.domain.realisations import (
    ReportRealisation,
    decide_report,
    realisation_check_date,
)
from shared.contracts.intake import flag_code_of_v1
from shared.contracts.types import Company
from shared.errors import Invalid, NotFound
from shared.reference import load_reference

REF = load_reference()
TODAY = dt.date(2026, 1, 15)


def report(code: str = "NL003", **changes: Any) -> ReportRealisation:
    """A report of an export of ML10h to Germany in 2024, with `changes`."""
    fields: dict[str, Any] = {
        "realisation_id": "r1", "code": code,
        "exporter": Company(name="Fokker Services", eori="NL987654321"), "period": "2024",
        "direction": "export", "country": "DE", "destination": None,
        "value_eur": Decimal("12000.00"), "ratings": ("ML10h",)}
    return ReportRealisation(**{**fields, **changes})


@pytest.mark.parametrize(("period", "today", "day"), [
    ("2024", "2026-01-01", "2024-12-31"),
    ("2024-Q1", "2026-01-01", "2024-03-31"),
    ("2024-Q4", "2026-01-01", "2024-12-31"),
    ("2024-Q3", "2024-08-15", "2024-08-15"),
])
def test_a_realisation_is_judged_on_its_period_s_last_day_or_today(period: str, today: str,
                                                                   day: str) -> None:
    got = realisation_check_date(period, dt.date.fromisoformat(today))
    assert got == dt.date.fromisoformat(day)


def test_a_use_within_the_conditions_is_recorded_unflagged() -> None:
    event = decide_report(report(direction="transfer"), REF, today=TODAY)
    assert event.flagged is False and event.flags == []
    assert (event.regime, event.checked_on) == ("military", dt.date(2024, 12, 31))


def test_a_transit_to_turkey_under_nl008_is_flagged_on_its_final_destination() -> None:
    event = decide_report(report("NL008", direction="transit", country="US", destination="TR",
                                 ratings=("ML4",)), REF, today=TODAY)
    assert event.flagged is True
    assert [f.code for f in event.flags] == ["destination-not-covered"]
    assert "TR" in event.flags[0].text


def test_nl009_no_longer_covers_israel_from_the_court_ruling_on() -> None:
    before = decide_report(report("NL009", country="IL", period="2023-Q4"), REF, today=TODAY)
    after = decide_report(report("NL009", country="IL", period="2024-Q1"), REF, today=TODAY)
    assert before.flags == []
    assert [f.code for f in after.flags] == ["licence-not-valid-on-date"]


def test_a_transit_licence_is_judged_on_origin_and_final_destination() -> None:
    event = decide_report(report("NL007", direction="transit", country="RU", ratings=("ML1",)),
                          REF, today=TODAY)
    assert [f.code for f in event.flags] == ["origin-not-covered", "final-destination-missing"]


def test_goods_outside_a_dual_use_licence_are_flagged_one_by_one() -> None:
    event = decide_report(report("EU001", country="CN", ratings=("3A001", "ML5", "9A991")),
                          REF, today=TODAY)
    assert [f.code for f in event.flags] == ["destination-not-covered", "rating-not-covered",
                                             "rating-not-covered"]


def test_a_direction_the_licence_does_not_cover_is_flagged() -> None:
    event = decide_report(report("NL007", direction="export", country="US", destination="KP"),
                          REF, today=TODAY)
    assert [f.code for f in event.flags] == ["direction-not-covered"]


def test_an_unknown_general_licence_is_not_found_naming_the_known_ones() -> None:
    with pytest.raises(NotFound) as refused:
        decide_report(report("NL999"), REF, today=TODAY)
    assert refused.value.kind == "unknown-general-licence" and "NL003" in refused.value.detail


@pytest.mark.parametrize(("changes", "loc"), [
    ({"period": "2027"}, ("body", "period")),
    ({"period": "1999"}, ("body", "period")),
    ({"country": "XX"}, ("body", "country")),
    ({"ratings": ("banana",)}, ("body", "ratings", 0)),
    ({"exporter": Company(name="x", eori="??")}, ("body", "exporter", "eori")),
])
def test_a_malformed_report_names_the_field(changes: dict[str, Any], loc: tuple[Any, ...]
                                            ) -> None:
    with pytest.raises(Invalid) as refused:
        decide_report(report(**changes), REF, today=TODAY)
    assert loc in [e.loc for e in refused.value.errors]


USES = [
    ("NL003", {"country": "XK"}), ("NL003", {"country": "US", "ratings": ("3A001",)}),
    ("NL007", {"direction": "transit", "country": "RU", "destination": "DE"}),
    ("NL008", {"direction": "transit", "country": "CN", "destination": "TR"}),
    ("NL009", {"country": "IL", "period": "2024-Q2"}),
    ("EU001", {"country": "CN", "ratings": ("3A001", "ML5", "9A991", "0A001")}),
    ("EU002", {"country": "AR", "ratings": ("1C350",)}),
    ("EU003", {"country": "US", "ratings": ("0A001",)}),
    ("NL900", {"country": "CN", "ratings": ("3B001",)}),
]


@pytest.mark.parametrize(("code", "changes"), USES)
def test_each_flag_s_code_is_the_one_its_sentence_read_as_in_version_1(
    code: str, changes: dict[str, Any],
) -> None:
    # A stored v1 realisation is upcast by its sentences: old and new flags must agree.
    cmd = report(code, **changes)
    flags = check(REF, REF.general_licence(code), direction=cmd.direction, country=cmd.country,
                  destination=cmd.destination, ratings=cmd.ratings, on=dt.date(2024, 6, 30))
    assert flags
    assert [f.code for f in flags] == [flag_code_of_v1(f.text) for f in flags]
