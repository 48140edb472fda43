"""Each rule of the annual report's methodology, pinned on a small hand-made history."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from services.reporting.domain import build_report, evolve
from services.reporting.domain.facts import Facts
from shared.reference import load_reference
from tests.reporting.history import History


@pytest.fixture(scope="module")
def ref() -> Any:
    return load_reference()


def report(h: History, ref: Any, year: int = 2024) -> dict[str, Any]:
    facts: Facts = {}
    for env in h.dicts():
        evolve(facts, env)
    return build_report(year, facts, ref)


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["military"]["summary"][0]


def test_licence_value_counts_not_what_was_shipped(ref: Any) -> None:
    h = History()
    number = h.decide(h.submit(goods=(("ML6", "1000.00"),)))
    assert number
    h.ship(number, country="US", value_eur="250.00")
    assert summary(report(h, ref))["total_value_eur"] == "1000.00"


def test_licence_is_reported_in_the_amsterdam_year_of_its_decision(ref: Any) -> None:
    h = History()
    # 23:30 UTC on New Year's Eve is already 2025 in Amsterdam.
    h.decide(h.submit(), decided_at="2024-12-31T23:30:00+00:00")
    assert summary(report(h, ref, 2024))["applications"] == 0
    assert summary(report(h, ref, 2025))["total_value_eur"] == "1000.00"


@pytest.mark.parametrize("purpose", ["temporary", "return_after_repair"])
def test_temporary_exports_and_returns_after_repair_are_left_out_of_values(
        ref: Any, purpose: str) -> None:
    h = History()
    h.decide(h.submit(purpose=purpose))
    s = summary(report(h, ref))
    assert (s["applications"], s["approved"], s["total_value_eur"]) == (1, 1, "0.00")


def test_extension_with_a_higher_value_counts_only_the_increase(ref: Any) -> None:
    h = History()
    number = h.decide(h.submit(goods=(("ML6", "1000.00"),)), decided_at="2023-05-01T10:00:00Z")
    h.decide(h.submit(goods=(("ML6", "1500.00"),),
                      amends={"licence_number": str(number), "kind": "extension"}))
    doc = report(h, ref)
    assert summary(doc)["total_value_eur"] == "500.00"
    assert doc["military"]["by_category"] == [{"category": "ML6", "value_eur": "500.00"}]


def test_replacement_with_an_equal_or_lower_value_counts_nothing(ref: Any) -> None:
    h = History()
    number = h.decide(h.submit(goods=(("ML6", "1000.00"),)))
    h.decide(h.submit(goods=(("ML6", "900.00"),),
                      amends={"licence_number": str(number), "kind": "replacement"}))
    s = summary(report(h, ref))
    assert (s["approved"], s["total_value_eur"]) == (2, "1000.00")


def test_destination_is_the_country_the_group_or_various(ref: Any) -> None:
    h = History()
    h.decide(h.submit(destinations=("UA",), goods=(("ML1", "100.00"),)))
    h.decide(h.submit(licence_type="global", destinations=("DE", "FR"),
                      destination_group="EU_NATO_PLUS", goods=(("ML5", "200.00"),)))
    h.decide(h.submit(licence_type="global", destinations=("DE", "IN"),
                      goods=(("ML5", "300.00"), ("ML1", "50.00"))))
    rows = {r["destination"]: r for r in report(h, ref)["military"]["by_destination"]}
    assert rows["UA"]["values"] == {"ML1": "100.00"}
    assert rows["EU_NATO_PLUS"]["total_eur"] == "200.00"
    assert rows["VARIOUS"]["values"] == {"ML1": "50.00", "ML5": "300.00"}
    assert rows["VARIOUS"]["total_eur"] == "350.00"


def test_regions_come_from_the_reference_data_with_shares(ref: Any) -> None:
    h = History()
    h.decide(h.submit(destinations=("US",), goods=(("ML1", "300.00"),)))
    h.decide(h.submit(destinations=("DE", "IN"), goods=(("ML1", "100.00"),)))
    h.decide(h.submit(destinations=("DE",), goods=(("ML1", "600.00"),)))
    regions = report(h, ref)["military"]["by_region"]
    assert regions == [
        {"region": "European Union/NATO+", "value_eur": "600.00", "share_pct": "60.00"},
        {"region": "North America", "value_eur": "300.00", "share_pct": "30.00"},
        {"region": "Global", "value_eur": "100.00", "share_pct": "10.00"},
    ]


def test_approval_counts_as_nato_eu_plus_only_when_every_destination_is(ref: Any) -> None:
    h = History()
    h.decide(h.submit(destinations=("DE", "JP")))
    h.decide(h.submit(destinations=("DE", "IN")))
    h.decide(h.submit(destinations=("IN",), destination_group=None))
    h.decide(h.submit(destinations=("FR",), destination_group="EU"))
    s = summary(report(h, ref))
    assert (s["approved"], s["approved_nato_eu_plus"]) == (4, 2)


def test_membership_is_judged_on_the_decision_date(ref: Any) -> None:
    h = History()
    # Sweden joined NATO on 2024-03-07 but was in the EU before; Ukraine is in neither.
    h.decide(h.submit(destinations=("UA",)), decided_at="2024-03-01T10:00:00Z")
    h.decide(h.submit(destinations=("SE",)), decided_at="2024-03-01T10:00:00Z")
    assert summary(report(h, ref))["approved_nato_eu_plus"] == 1


def test_sondages_count_in_applications_and_denials(ref: Any) -> None:
    h = History()
    h.decide(h.submit(procedure="sondage"), "denied", criteria=(2, 7))
    h.decide(h.submit(), "denied", criteria=(4,))
    h.decide(h.submit())
    h.decide(h.submit(transaction="transit", origins=("US",)))
    doc = report(h, ref)
    s = summary(doc)
    assert (s["applications"], s["approved"], s["denied"], s["denial_rate_pct"]) == (
        4, 2, 2, "50.00")
    denials = doc["military"]["denials"]
    assert sorted(d["procedure"] for d in denials) == ["licence", "sondage"]
    assert {tuple(d["criteria"]) for d in denials} == {(2, 7), (4,)}
    assert denials[0]["recipient"] == "Consignee Ltd"
    assert denials[0]["end_user"] == "Ministry of Defence"


def test_transit_and_brokering_have_their_own_tables(ref: Any) -> None:
    h = History()
    h.decide(h.submit(transaction="transit", origins=("US",), destinations=("NO",),
                      goods=(("ML4", "700.00"),)))
    h.decide(h.submit(transaction="brokering", origins=("IL", "US"), destinations=("IN",),
                      goods=(("ML10c", "9000000.00"),), service_value_eur="12500.00"))
    doc = report(h, ref)
    assert summary(doc)["total_value_eur"] == "0.00"
    assert doc["military"]["transit"] == [
        {"destination": "NO", "values": {"ML4": "700.00"}, "total_eur": "700.00"}]
    assert doc["military"]["brokering"] == [{
        "destination": "IN", "origin": "VARIOUS", "ratings": ["ML10c"],
        "description": "goods ML10c", "service_value_eur": "12500.00"}]


def test_general_licence_realisations_per_licence_and_country_with_flags(ref: Any) -> None:
    h = History()
    h.realise("NL003", country="DE", value_eur="100.00", ratings=("ML5a", "ML1"))
    h.realise("NL003", country="DE", value_eur="50.00", ratings=("ML13",), period="2024-Q3")
    h.realise("NL008", country="US", value_eur="70.00", direction="transit", flagged=True)
    h.realise("NL003", country="DE", value_eur="999.00", period="2023")
    h.realise("EU001", country="US", value_eur="10.00", ratings=("3A001",), regime="dual_use")
    assert report(h, ref)["general_licences"] == [
        {"licence": "NL003", "direction": "export", "country": "DE", "value_eur": "150.00",
         "categories": ["ML1", "ML5", "ML13"], "flagged": False, "flag_codes": [],
         "flag_reasons": []},
        {"licence": "NL008", "direction": "transit", "country": "US", "value_eur": "70.00",
         "categories": ["ML5"], "flagged": True, "flag_codes": ["unclassified"],
         "flag_reasons": ["outside conditions"]},
    ]


def test_dual_use_types_catch_all_and_intra_eu_override_the_licence_type(ref: Any) -> None:
    h = History()
    du = {"regime": "dual_use"}
    h.decide(h.submit(**du, goods=(("3A001", "100.00"),)))
    h.decide(h.submit(**du, licence_type="global", goods=(("3A001", "200.00"),)))
    h.decide(h.submit(**du, licence_type="global", catch_all=True, goods=(("3A001", "40.00"),)))
    h.decide(h.submit(**du, transaction="transfer", destinations=("DE",),
                      goods=(("1C350", "30.00"),)))
    h.decide(h.submit(**du, goods=(("3A001", "5.00"),)), "denied", criteria=(7,))
    rows = {r["type"]: r for r in report(h, ref)["dual_use"]["by_type"]}
    assert rows["individual"] == {"type": "individual", "issued": 1, "issued_value_eur": "100.00",
                                  "denied": 1, "denied_value_eur": "5.00"}
    assert (rows["global"]["issued"], rows["global"]["issued_value_eur"]) == (1, "200.00")
    assert (rows["catch_all"]["issued"], rows["catch_all"]["issued_value_eur"]) == (1, "40.00")
    assert (rows["intra_eu"]["issued"], rows["intra_eu"]["issued_value_eur"]) == (1, "30.00")


def test_dual_use_top_destinations_add_shipments_and_general_licences(ref: Any) -> None:
    h = History()
    number = h.decide(h.submit(regime="dual_use", destinations=("CN",),
                               goods=(("3A001", "1000.00"),)))
    assert number
    h.ship(number, country="CN", value_eur="300.00", regime="dual_use")
    h.ship(number, country="CN", value_eur="100.00", regime="dual_use", shipped_on="2023-12-01")
    h.realise("EU001", country="US", value_eur="250.00", ratings=("3A001",), regime="dual_use")
    h.realise("NL900", country="CN", value_eur="50.00", ratings=("2B910",), regime="dual_use")
    for i in range(11):
        h.realise("EU001", country=["CA", "JP", "NO", "CH", "GB", "AU", "NZ", "LI", "US", "CA",
                                    "JP"][i], value_eur="1.00", regime="dual_use")
    top = report(h, ref)["dual_use"]["top_destinations"]
    # NL900 is the national measures' licence: its uses are no dual-use exports.
    assert top[0] == {"country": "CN", "value_eur": "300.00"}
    assert top[1] == {"country": "US", "value_eur": "251.00"}
    assert len(top) == 10


def test_anti_torture_per_annex(ref: Any) -> None:
    h = History()
    h.decide(h.submit(regime="anti_torture", destinations=("BR",), end_use="riot control",
                      goods=(("III.2.1", "80.00"), ("IV.1", "20.00"))))
    h.decide(h.submit(regime="anti_torture", destinations=("US",), end_use="medicine",
                      goods=(("IV.1", "5.00"),)))
    rows = {r["annex"]: r for r in report(h, ref)["anti_torture"]}
    assert rows["III"] == {"annex": "III", "licences": 1, "value_eur": "80.00",
                           "destinations": ["BR"], "end_uses": ["riot control"]}
    assert rows["IV"]["licences"] == 2
    assert rows["IV"]["value_eur"] == "25.00"
    assert rows["IV"]["destinations"] == ["BR", "US"]
    assert rows["II"]["licences"] == 0


def test_fast_track_notifications_with_sent_date(ref: Any) -> None:
    h = History()
    number = h.decide(h.submit(destinations=("IN",), goods=(("ML10", "3000000.00"),),
                               complete_system=True))
    assert number
    h.fast_track(number, value_eur="3000000.00", sent_on="2024-03-10")
    rows = report(h, ref)["parliament_fast_track"]
    assert rows == [{"licence_number": number, "destination": "IN",
                     "description": "complete system", "value_eur": "3000000.00",
                     "decided_on": "2024-03-01", "due_by": "2024-03-15",
                     "sent_on": "2024-03-10"}]


def test_consultations_started_and_received_in_the_year_opened(ref: Any) -> None:
    h = History()
    h.consultation(consulting="NL", denying="DE")
    h.consultation(consulting="NL", denying="FR")
    h.consultation(consulting="BE", denying="NL")
    h.consultation(consulting="BE", denying="DE")
    h.consultation(consulting="NL", denying="DE", opened_at="2023-06-01T10:00:00Z")
    assert report(h, ref)["consultations"] == [{"started": 2, "received": 1}]


def test_history_gives_value_split_and_denial_rate_per_year(ref: Any) -> None:
    h = History()
    h.decide(h.submit(destinations=("DE",), goods=(("ML1", "100.00"),)),
             decided_at="2023-02-01T10:00:00Z")
    h.decide(h.submit(destinations=("IN",)), "denied", decided_at="2023-02-01T10:00:00Z",
             criteria=(1,))
    h.decide(h.submit(destinations=("IN",), goods=(("ML1", "40.00"),)))
    h.decide(h.submit(destinations=("US",), goods=(("ML1", "60.00"),)))
    h.decide(h.submit(), decided_at="2025-02-01T10:00:00Z")
    assert report(h, ref)["history"] == [
        {"year": 2023, "value_eur": "100.00", "eu_nato_plus_value_eur": "100.00",
         "other_value_eur": "0.00", "applications": 2, "denied": 1, "denial_rate_pct": "50.00",
         "source": "event log"},
        {"year": 2024, "value_eur": "100.00", "eu_nato_plus_value_eur": "60.00",
         "other_value_eur": "40.00", "applications": 2, "denied": 0, "denial_rate_pct": "0.00",
         "source": "event log"},
    ]


def test_withdrawn_and_undecided_applications_are_not_counted(ref: Any) -> None:
    h = History()
    app = h.submit()
    h.emit("ApplicationWithdrawn", app, {"application_id": app, "reason": "no contract"})
    h.submit()
    assert summary(report(h, ref))["applications"] == 0


def test_the_facts_depend_only_on_the_set_of_events_not_their_order(ref: Any) -> None:
    h = History()
    number = h.decide(h.submit(goods=(("ML6", "1000.00"),)))
    h.decide(h.submit(goods=(("ML6", "1500.00"), ("ML1", "10.00")),
                      amends={"licence_number": str(number), "kind": "extension"}))
    h.decide(h.submit(procedure="sondage"), "denied", criteria=(2,))
    h.realise("NL004", country="FR", value_eur="12.00")
    events = h.dicts()
    expected = report(h, ref)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = events + events[: rng.randrange(len(events))]  # redeliveries too
        rng.shuffle(shuffled)
        facts: Facts = {}
        for env in shuffled:
            evolve(facts, env)
        assert build_report(2024, facts, ref) == expected


def test_amounts_are_exact_decimals(ref: Any) -> None:
    h = History()
    for _ in range(10):
        h.decide(h.submit(goods=(("ML1", "0.10"),)))
    doc = report(h, ref)
    assert summary(doc)["total_value_eur"] == "1.00"
    assert Decimal(doc["military"]["by_region"][0]["share_pct"]) == Decimal("100.00")
