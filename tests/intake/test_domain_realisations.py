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
from services.intake.domain.registrations import Registration
from shared.contracts.intake import RealisationReported, flag_code_of_v1
from shared.contracts.types import Company, Consignee
from shared.errors import Invalid, NotFound
from shared.reference import load_reference
from shared.reference.registers import load_register
from shared.reference.sanctions import load_goods_sanctions

REF = load_reference()
REGISTERS = {name: load_register(name) for name in ("certified_recipients", "icp_approvals")}
SANCTIONS = load_goods_sanctions()
TODAY = dt.date(2026, 1, 15)


def registered_since(day: dt.date, code: str, **changes: Any) -> Registration:
    """A registration of the report's exporter for `code` from `day`."""
    return Registration(id="g1", code=code, exporter=Company(name="Fokker Services",
                                                           eori="NL987654321"),
                        registered_on=day, **changes)


def judge(cmd: ReportRealisation, *registrations: Registration) -> RealisationReported:
    """The realisation decided; its exporter registered since 2000 unless told otherwise."""
    given = registrations or (registered_since(dt.date(2000, 1, 1), cmd.code),)
    return decide_report(cmd, REF, today=TODAY, registrations=given, registers=REGISTERS,
                         sanctions=SANCTIONS)


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
    event = judge(report(direction="transfer"))
    assert event.flagged is False and event.flags == []
    assert (event.regime, event.checked_on) == ("military", dt.date(2024, 12, 31))


def test_a_transit_to_turkey_under_nl008_is_flagged_on_its_final_destination() -> None:
    event = judge(report("NL008", direction="transit", country="US", destination="TR",
                         ratings=("ML4",)))
    assert event.flagged is True
    assert [f.code for f in event.flags] == ["destination-not-covered"]
    assert "TR" in event.flags[0].text


def test_nl009_no_longer_covers_israel_from_the_court_ruling_on() -> None:
    before = judge(report("NL009", country="IL", period="2023-Q4"))
    after = judge(report("NL009", country="IL", period="2024-Q1"))
    assert before.flags == []
    assert [f.code for f in after.flags] == ["licence-not-valid-on-date"]


def codes(code: str, **changes: Any) -> list[str]:
    """The flag codes of a use of general licence `code` with `changes`."""
    return [f.code for f in judge(report(code, **changes)).flags]


def test_nl006_covers_repair_in_canada_and_the_united_states() -> None:
    assert codes("NL006", country="CA") == []
    assert codes("NL006", country="US") == []
    assert codes("NL006", country="JP") == ["destination-not-covered"]


def test_nl007_is_posted_with_its_destination_and_judged_on_an_origin_given() -> None:
    transit = {"direction": "transit", "ratings": ("ML1",)}
    assert codes("NL007", country="BR", **transit) == []
    assert codes("NL007", country="BR", origin="US", **transit) == []
    assert codes("NL007", country="BR", origin="RU", **transit) == ["origin-not-covered"]


def test_nl008_is_posted_by_origin_and_judged_on_a_destination_given() -> None:
    transit = {"direction": "transit", "ratings": ("ML4",)}
    assert codes("NL008", country="US", **transit) == []
    assert codes("NL008", country="US", destination="NO", **transit) == []
    assert codes("NL008", country="US", destination="TR", **transit) == [
        "destination-not-covered"]


def test_nl009_covers_guam_and_transit_to_bahrain() -> None:
    assert codes("NL009", country="GU") == []
    assert codes("NL009", country="BH", direction="transit") == []
    assert codes("NL009", country="BH") == ["destination-not-covered"]


def test_nl009_to_israel_is_judged_on_the_day_of_use() -> None:
    israel = {"country": "IL", "ratings": ("ML10",), "period": "2024-Q1"}
    assert codes("NL009", used_on=dt.date(2024, 1, 15), **israel) == []
    assert codes("NL009", used_on=dt.date(2024, 3, 1), **israel) == [
        "licence-not-valid-on-date"]
    event = judge(report("NL009", used_on=dt.date(2024, 3, 1), **israel))
    assert event.checked_on == event.used_on == dt.date(2024, 3, 1)


def test_nl900_exists_from_december_2024() -> None:
    national = {"country": "US", "ratings": ("3B904",), "period": "2024"}
    assert codes("NL900", used_on=dt.date(2024, 6, 15), **national) == [
        "licence-not-valid-on-date"]
    assert codes("NL900", used_on=dt.date(2024, 12, 15), **national) == []
    assert codes("NL900", used_on=dt.date(2024, 12, 15), **{**national, "ratings": (
        "3B001",)}) == ["rating-not-covered"]


def test_a_day_of_use_lies_within_the_period_and_not_ahead() -> None:
    for used_on in (dt.date(2024, 3, 31), dt.date(2024, 7, 1)):
        with pytest.raises(Invalid) as refused:
            judge(report(period="2024-Q2", used_on=used_on))
        assert [e.loc for e in refused.value.errors] == [("body", "used_on")]
    with pytest.raises(Invalid):
        judge(report(period="2026-Q1", used_on=dt.date(2026, 2, 1)))


@pytest.mark.parametrize("period", ["0000", "0000-Q2", "9999-Q4"])
def test_a_period_outside_the_calendar_is_invalid_not_a_crash(period: str) -> None:
    # Found by the fuzzing: year 0000 passes the shape and crashed with a 500.
    with pytest.raises(Invalid) as refused:
        judge(report(period=period))
    assert ("body", "period") in [e.loc for e in refused.value.errors]


def test_goods_outside_a_dual_use_licence_are_flagged_one_by_one() -> None:
    event = judge(report("EU001", country="CN", ratings=("3A001", "ML5", "9A991")))
    assert [f.code for f in event.flags] == ["destination-not-covered", "rating-not-covered",
                                             "rating-not-covered"]


def test_a_direction_the_licence_does_not_cover_is_flagged() -> None:
    event = judge(report("NL007", direction="export", country="US", destination="KP"))
    assert [f.code for f in event.flags] == ["direction-not-covered"]


def test_an_unknown_general_licence_is_not_found_naming_the_known_ones() -> None:
    with pytest.raises(NotFound) as refused:
        judge(report("NL999"))
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
        judge(report(**changes))
    assert loc in [e.loc for e in refused.value.errors]


USES = [
    ("NL003", {"country": "XK"}), ("NL003", {"country": "US", "ratings": ("3A001",)}),
    ("NL007", {"direction": "export", "country": "KP", "origin": "RU"}),
    ("NL008", {"direction": "transit", "country": "CN", "destination": "TR"}),
    ("NL009", {"country": "IL", "period": "2024-Q2"}),
    ("EU001", {"country": "CN", "ratings": ("3A001", "ML5", "9A991", "0A001")}),
    ("EU002", {"country": "AR", "ratings": ("1C350",)}),
    ("EU003", {"country": "US", "ratings": ("0A001",)}),
]


@pytest.mark.parametrize(("code", "changes"), USES)
def test_each_flag_of_version_1_s_kinds_keeps_the_code_its_sentence_read_as(
    code: str, changes: dict[str, Any],
) -> None:
    # A stored v1 realisation is upcast by its sentences: old and new flags of the kinds v1
    # raised must agree.
    cmd = report(code, **changes)
    flags = check(REF, REF.general_licence(code), direction=cmd.direction, country=cmd.country,
                  destination=cmd.destination, origin=cmd.origin, ratings=cmd.ratings,
                  on=dt.date(2024, 6, 30))
    assert flags
    assert [f.code for f in flags] == [flag_code_of_v1(f.text) for f in flags]


def test_a_use_before_registration_is_flagged_and_after_it_not() -> None:
    since = registered_since(dt.date(2024, 3, 1), "NL003")
    before = judge(report(period="2024-Q1", used_on=dt.date(2024, 2, 28),
                          direction="transfer"), since)
    assert [f.code for f in before.flags] == ["not-registered"]
    assert before.flagged and "NL987654321" in before.flags[0].text
    after = judge(report(period="2024-Q1", used_on=dt.date(2024, 3, 1), direction="transfer"),
                  since)
    assert after.flags == []


def test_a_use_after_the_registration_ended_is_flagged() -> None:
    ended = registered_since(dt.date(2024, 1, 1), "NL003", ended_on=dt.date(2024, 9, 1),
                             end_reason="after an investigation")
    assert judge(report(used_on=dt.date(2024, 8, 31), direction="transfer"), ended).flags == []
    late = judge(report(used_on=dt.date(2024, 9, 1), direction="transfer"), ended)
    assert [f.code for f in late.flags] == ["not-registered"]


def test_without_a_registration_a_use_is_flagged() -> None:
    event = decide_report(report("NL003", direction="transfer"), REF, today=TODAY,
                          registrations=[], registers=REGISTERS, sanctions=SANCTIONS)
    assert [f.code for f in event.flags] == ["not-registered"]


@pytest.mark.parametrize(("recipient", "used_on", "flagged"), [
    (Consignee(name="Nordwerk Wehrtechnik GmbH", country="DE"), dt.date(2024, 6, 1), False),
    (Consignee(name="NORDWERK  wehrtechnik gmbh", country="DE"), dt.date(2024, 6, 1), False),
    (Consignee(name="Nordwerk Wehrtechnik GmbH", country="AT"), dt.date(2024, 6, 1), True),
    (Consignee(name="Vlaanderen Defence Electronics NV", country="BE"), dt.date(2024, 6, 30),
     False),
    (Consignee(name="Vlaanderen Defence Electronics NV", country="BE"), dt.date(2024, 7, 1),
     True),  # certificate withdrawn
    (Consignee(name="Some Trading Ltd", country="DE"), dt.date(2024, 6, 1), True),
    (None, dt.date(2024, 6, 1), True),
])
def test_nl004_goes_only_to_recipients_certified_on_the_day_of_use(
    recipient: Consignee | None, used_on: dt.date, flagged: bool,
) -> None:
    event = judge(report("NL004", direction="transfer", country="DE", used_on=used_on,
                         recipient=recipient))
    assert [f.code for f in event.flags] == (["recipient-not-certified"] if flagged else [])
    assert ("certified_recipients", "2024.1") in [(r.name, r.version) for r in event.registers]
    if flagged:
        assert "certified_recipients 2024.1" in event.flags[0].text


def test_the_conditions_version_is_recorded_with_every_realisation() -> None:
    event = judge(report(direction="transfer"))
    assert [(r.name, r.version) for r in event.registers] == [
        ("general_licences", REF.sources["general_licences"].version),
        ("goods_sanctions", SANCTIONS.version)]


def test_a_banned_item_to_russia_is_flagged_naming_the_regulation() -> None:
    event = judge(report("EU001", country="RU", ratings=("3A001", "ML5"),
                         used_on=dt.date(2024, 6, 1)))
    sanctioned = [f for f in event.flags if f.code == "sanctioned-goods"]
    assert [f.cited for f in sanctioned] == ["Council Regulation (EU) No 833/2014, art. 2"]
    assert "3A001" in sanctioned[0].text and "goods sanctions 2024.1" in sanctioned[0].text


def test_a_ban_counts_from_its_day_and_for_its_destination_only() -> None:
    before = judge(report("EU001", country="RU", ratings=("3A001",), period="2014",
                          used_on=dt.date(2014, 7, 31)))
    assert "sanctioned-goods" not in [f.code for f in before.flags]
    transit = judge(report("NL008", direction="transit", country="US", destination="IR",
                           ratings=("9A012",), used_on=dt.date(2024, 6, 1)))
    assert [f.cited for f in transit.flags if f.code == "sanctioned-goods"] == [
        "Council Regulation (EU) No 267/2012, Annex II",
        "Council Regulation (EU) 2023/1529, Annex II"]


D = dt.date


@pytest.mark.parametrize(
    ("code", "direction", "country", "destination", "ratings", "on", "flagged"),
    [
        ("NL008", "transit", "US", "TR", ["ML10c"], D(2024, 6, 1), "TR"),
        ("NL008", "transit", "US", "DE", ["ML10c"], D(2024, 6, 1), None),
        ("NL008", "transit", "US", "SE", ["ML10c"], D(2024, 3, 7), None),  # EU member anyway
        ("NL008", "transit", "US", "IL", ["ML10c"], D(2024, 6, 1), "IL"),
        ("NL009", "export", "IL", None, ["ML10c"], D(2024, 1, 15), None),
        ("NL009", "export", "IL", None, ["ML10c"], D(2024, 3, 1), "2024-02-12"),
        ("NL003", "export", "US", None, ["ML6"], D(2024, 6, 1), "US"),
        ("NL003", "transfer", "DE", None, ["ML6"], D(2024, 6, 1), None),
        ("NL003", "transit", "DE", None, ["ML6"], D(2024, 6, 1), "transit"),
        ("NL003", "transfer", "DE", None, ["3A001"], D(2024, 6, 1), "3A001"),
        ("EU001", "export", "US", None, ["3A001"], D(2024, 6, 1), None),
        ("EU001", "export", "CN", None, ["3A001"], D(2024, 6, 1), "CN"),
        ("EU001", "export", "US", None, ["ML10c"], D(2024, 6, 1), "ML10c"),
        ("EU001", "export", "US", None, ["0C001"], D(2024, 6, 1), "Annex IV"),
        ("EU006", "export", "KR", None, ["3A001"], D(2024, 6, 1), "1C350"),
        ("EU003", "export", "RU", None, ["3A001"], D(2024, 6, 1), "RU"),
        ("EU007", "export", "IR", None, ["3E001"], D(2024, 6, 1), "embargo"),
        ("NL007", "transit", "US", "IL", ["ML10c"], D(2024, 6, 1), None),
        ("NL007", "transit", "US", "IL", ["ML10c"], D(2025, 1, 1), "IL"),
        ("NL007", "transit", "CN", "DE", ["ML10c"], D(2024, 6, 1), None),
    ],
)
def test_a_general_licence_s_conditions_flag_a_use_outside_them(
    code: str, direction: str, country: str, destination: str | None, ratings: list[str],
    on: dt.date, flagged: str | None,
) -> None:
    flags = check(REF, REF.general_licence(code), direction=direction, country=country,
                  destination=destination, origin=None, ratings=ratings, on=on)
    if flagged is None:
        assert flags == []
    else:
        assert any(flagged in f.text and code in f.text for f in flags), flags


def test_nl008_s_turkey_flag_reads_as_an_exclusion() -> None:
    flags = check(REF, REF.general_licence("NL008"), direction="transit", country="US",
                  destination="TR", origin=None, ratings=[], on=D(2024, 6, 1))
    assert [(f.code, f.text) for f in flags] == [
        ("destination-not-covered",
         "NL008 does not cover final destination TR (Turkey is excluded)")]
