"""The report's tables of this round, each pinned on a small history (given events, then the
report), with no database and no NATS."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from services.reporting.domain import build_report, evolve
from services.reporting.domain.facts import Facts
from services.reporting.domain.history import PublishedYear, published_series
from services.reporting.domain.monthly import OverviewPolicy, monthly_overview
from services.reporting.domain.submissions import att_submission, eu_submission
from services.reporting.sources import HISTORY_CSV, overview_policies
from shared.reference import load_reference
from shared.reference.policies import load_destination_policies
from tests.reporting.generate import generate
from tests.reporting.history import History

ON = dt.date(2025, 3, 1)


@pytest.fixture(scope="module")
def ref() -> Any:
    return load_reference()


def facts_of(h: History) -> Facts:
    facts: Facts = {}
    for env in h.dicts():
        evolve(facts, env)
    return facts


def report(h: History, ref: Any, year: int = 2024, **kw: Any) -> dict[str, Any]:
    return build_report(year, facts_of(h), ref, **{"on": ON, **kw})


def test_a_flagged_general_licence_row_says_why_and_each_licence_has_its_total(ref: Any) -> None:
    h = History()
    h.realise("NL008", country="US", value_eur="70.00", direction="transit", flagged=True,
              flag="NL008 does not cover final destination TR")
    h.realise("NL008", country="US", value_eur="30.00", direction="transit", flagged=True,
              flag="NL008 does not cover final destination TR")
    h.realise("NL008", country="GB", value_eur="5.00", direction="transit")
    h.realise("NL003", country="DE", value_eur="100.00")
    doc = report(h, ref)
    rows = {(r["licence"], r["country"]): r for r in doc["general_licences"]}
    assert rows[("NL008", "US")]["flag_codes"] == ["destination-not-covered"]
    assert rows[("NL008", "US")]["flag_reasons"] == ["NL008 does not cover final destination TR"]
    assert rows[("NL008", "GB")]["flag_codes"] == rows[("NL003", "DE")]["flag_reasons"] == []
    assert doc["general_licences_totals"] == [{"licence": "NL003", "value_eur": "100.00"},
                                              {"licence": "NL008", "value_eur": "105.00"}]


def test_national_licences_have_a_table_of_their_own_and_no_place_in_dual_use(ref: Any) -> None:
    h = History()
    national = {"regime": "national", "destinations": ("CN",)}
    h.decide(h.submit(**national, goods=(("3B993", "700.00"),)))
    h.decide(h.submit(**national, goods=(("3B993", "50.00"),)), "denied", criteria=(7,))
    h.realise("NL900", country="CN", value_eur="40.00", ratings=("3B993",), regime="national")
    doc = report(h, ref)
    assert doc["national"] == [{"regime": "national", "issued": 1, "issued_value_eur": "700.00",
                                "denied": 1, "denied_value_eur": "50.00"}]
    assert all(r["issued"] == r["denied"] == 0 for r in doc["dual_use"]["by_type"])
    assert doc["dual_use"]["top_destinations"] == []


def test_every_regime_s_denials_show_their_grounds(ref: Any) -> None:
    h = History()
    h.decide(h.submit(destinations=("IN",)), "denied", criteria=(2, 7))
    h.decide(h.submit(regime="dual_use", destinations=("IR",), goods=(("3A001", "9.00"),)),
             "denied", criteria=(1,), grounds=("art4-wmd",))
    h.decide(h.submit(regime="anti_torture", destinations=("BR",), goods=(("III.1", "5.00"),)),
             "denied", grounds=("annex-iii-torture",))
    doc = report(h, ref)
    military = doc["military"]["denials"][0]
    assert (military["criteria"], military["grounds"]) == ([2, 7], [])
    [dual] = doc["dual_use"]["denials"]
    assert (dual["destination"], dual["criteria"], dual["grounds"]) == ("IR", [1], ["art4-wmd"])
    [torture] = doc["anti_torture_denials"]
    assert (torture["destination"], torture["grounds"]) == ("BR", ["annex-iii-torture"])


def test_the_fast_track_table_holds_fast_track_notices_and_the_register_every_document(
        ref: Any) -> None:
    h = History()
    sa = h.decide(h.submit(destinations=("SA",), goods=(("ML4", "3000000.00"),)))
    ua = h.decide(h.submit(destinations=("UA",), goods=(("ML4", "4000000.00"),)))
    assert sa and ua
    # A notice of version 1 is a fast-track notice; Ukraine's goes in a periodic letter.
    h.fast_track(sa, value_eur="3000000.00", destination="SA", sent_on="2024-03-10")
    h.fast_track(ua, value_eur="4000000.00", destination="UA", kind="periodic_letter")
    h.letter("Kamerbrief 2024-0001", sent_on="2024-04-15", numbers=(ua,))
    doc = report(h, ref)
    assert [r["licence_number"] for r in doc["parliament_fast_track"]] == [sa]
    assert doc["parliament"]["documents"] == [
        {"sent_on": "2024-03-10", "kind": "fast_track_notice", "reference": sa,
         "destination": "SA", "licence_numbers": [sa], "explanation": None},
        {"sent_on": "2024-04-15", "kind": "periodic_letter", "reference": "Kamerbrief 2024-0001",
         "destination": "UA", "licence_numbers": [ua], "explanation": None}]


def test_enforcement_counts_referrals_and_outcomes_of_the_year(ref: Any) -> None:
    h = History()
    h.investigation(referred_on="2023-11-01", outcome="warning", concluded_on="2024-02-01")
    h.investigation(referred_on="2024-03-01", outcome="fine", concluded_on="2024-09-01")
    h.investigation(referred_on="2024-05-01")
    h.investigation(referred_on="2024-06-01", outcome="prosecution", concluded_on="2025-01-10")
    assert report(h, ref)["enforcement"] == [{
        "referred": 3, "concluded": 2, "no_action": 0, "warning": 1, "fine": 1,
        "prosecution": 0, "open_at_year_end": 2}]


def test_a_confidential_licence_is_withheld_until_its_release_day(ref: Any) -> None:
    h = History()
    h.decide(h.submit(destinations=("US",), goods=(("ML6", "1000.00"),)))
    secret = h.decide(h.submit(destinations=("UA",), goods=(("ML6", "500.00"),)))
    assert secret
    h.ship(secret, country="UA", value_eur="10.00")
    h.confidential(secret, release_on="2025-06-01")
    before = report(h, ref, on=dt.date(2025, 5, 31))
    assert before["withheld_confidential"] == 1
    assert before["military"]["summary"][0]["total_value_eur"] == "1000.00"
    assert [r["destination"] for r in before["military"]["by_destination"]] == ["US"]
    after = report(h, ref, on=dt.date(2025, 6, 1))
    assert after["withheld_confidential"] == 0
    assert after["military"]["summary"][0]["total_value_eur"] == "1500.00"
    # Judged on no day at all (a pure call without one), a marked licence stays withheld.
    assert build_report(2024, facts_of(h), ref)["withheld_confidential"] == 1


def test_history_starts_with_the_published_series_and_the_log_overrides_its_years(
        ref: Any) -> None:
    published = [PublishedYear(y, Decimal("100.00"), Decimal("50.00"), 10, 1, "10.00", "record")
                 for y in (2022, 2023, 2025)]
    h = History()
    h.decide(h.submit(destinations=("DE",), goods=(("ML1", "7.00"),)),
             decided_at="2023-02-01T10:00:00Z")
    rows = report(h, ref, published=published)["history"]
    assert [(r["year"], r["source"], r["value_eur"]) for r in rows] == [
        (2022, "record", "150.00"), (2023, "event log", "7.00")]


def test_the_packaged_series_starts_in_2000_and_says_it_is_illustrative() -> None:
    series = published_series(HISTORY_CSV.read_text())
    assert [p.year for p in series] == list(range(2000, 2024))
    assert all("illustrative" in p.source for p in series)
    with pytest.raises(ValueError, match="line 2"):
        published_series("year,eu_nato_plus_value_eur,other_value_eur,applications,denied,"
                         "denial_rate_pct,source\nMMXX,1,2,3,4,5,x\n")


def test_the_monthly_overview_lists_the_month_s_licences_ukraine_s_without_goods() -> None:
    h = History()
    us = h.decide(h.submit(destinations=("US",), goods=(("ML6", "1000.00"),)),
                  decided_at="2024-03-05T10:00:00Z")
    ua = h.decide(h.submit(destinations=("UA",), goods=(("ML4", "2000.00"),)),
                  decided_at="2024-03-20T10:00:00Z")
    h.decide(h.submit(regime="dual_use", goods=(("3A001", "30.00"),)),
             decided_at="2024-03-31T23:30:00Z")  # April in Amsterdam
    h.decide(h.submit(destinations=("IN",)), "denied", decided_at="2024-03-07T10:00:00Z")
    policies = overview_policies(load_destination_policies())
    assert [p.destination for p in policies] == ["UA"]  # as the reference data has it
    doc = monthly_overview(2024, 3, facts_of(h), on=ON, policies=policies)
    rows = doc["licences"]
    assert [r["licence_number"] for r in rows] == [us, ua]
    assert (rows[0]["description"], rows[0]["ratings"], rows[0]["goods_withheld"]) == (
        "goods ML6", ["ML6"], False)
    assert (rows[1]["description"], rows[1]["ratings"], rows[1]["goods_withheld"]) == (
        None, [], True)
    assert rows[1]["value_eur"] == "2000.00"
    assert [r["regime"] for r in monthly_overview(2024, 4, facts_of(h), on=ON)["licences"]] == [
        "dual_use"]
    before_policy = OverviewPolicy("UA", dt.date(2024, 4, 1))
    assert not monthly_overview(2024, 3, facts_of(h), on=ON,
                                policies=[before_policy])["licences"][1]["goods_withheld"]


@pytest.mark.parametrize("seed", [3, 11])
def test_the_eu_submission_adds_up_to_the_annual_report(ref: Any, seed: int) -> None:
    facts = facts_of(generate(seed, applications=200))
    doc = build_report(2024, facts, ref, on=ON)
    eu = eu_submission(2024, facts, on=ON)["rows"]
    total = Decimal(doc["military"]["summary"][0]["total_value_eur"])
    assert sum(Decimal(r["value_eur"]) for r in eu) == total
    for row in doc["military"]["by_destination"]:
        mine = [r for r in eu if r["destination"] == row["destination"]]
        assert sum(Decimal(r["value_eur"]) for r in mine) == Decimal(row["total_eur"])
    denied = {(r["destination"], c) for r in doc["military"]["denials"] for c in r["criteria"]}
    cited = {(r["destination"], c) for r in eu for c in r["criteria"]}
    assert denied == cited
    att = att_submission(2024, facts, on=ON)
    assert (sum(Decimal(r["value_eur"]) for r in att["rows"]) + Decimal(att["other_value_eur"])
            == total)


def test_the_att_submission_maps_ml_categories_and_counts_items(ref: Any) -> None:
    h = History()
    h.decide(h.submit(destinations=("NO",), goods=(("ML6", "900.00"), ("ML5", "100.00"))))
    att = att_submission(2024, facts_of(h), on=ON)
    assert att["rows"] == [{"destination": "NO",
                            "category": "armoured_combat_vehicles_battle_tanks",
                            "ml_categories": ["ML6"], "licences": 1, "items": 2,
                            "value_eur": "900.00"}]
    assert att["other_value_eur"] == "100.00"
