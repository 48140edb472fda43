"""What the record has that the report lacked (issue 16 item 2), each pinned on a small history:
dual-use individual licences per destination and per Annex I category (the record's figures 6
and 7), the Netherlands' share of the EU's consultations, and the Ministry of Defence's notices
before a surplus sale in the register of documents sent to parliament."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from services.reporting.domain import build_report, evolve
from services.reporting.domain.consultations import EuConsultations, eu_totals
from services.reporting.domain.facts import Facts
from services.reporting.queries import render_csv
from services.reporting.sources import EU_CONSULTATIONS_CSV, load_sources
from shared.reference import load_reference
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


def report(h: History, ref: Any, **kw: Any) -> dict[str, Any]:
    return build_report(2024, facts_of(h), ref, **{"on": ON, **kw})


def test_individual_dual_use_licences_per_destination_and_annex_i_category(ref: Any) -> None:
    h = History()
    dual = {"regime": "dual_use"}
    first = h.decide(h.submit(**dual, destinations=("CN",),
                              goods=(("3A001", "100.00"), ("5A002.a", "50.00"))))
    h.decide(h.submit(**dual, destinations=("CN",), goods=(("9A101", "30.00"),)))
    h.decide(h.submit(**dual, destinations=("IN", "PK"), goods=(("3A001", "7.00"),)))
    # Not individual licences of the year: a global licence, a catch-all one, an intra-EU
    # transfer, a denial, a temporary export and a licence of 2023.
    h.decide(h.submit(**dual, licence_type="global", goods=(("1C350", "1.00"),)))
    h.decide(h.submit(**dual, catch_all=True, goods=(("1C350", "2.00"),)))
    h.decide(h.submit(**dual, transaction="transfer", goods=(("1C350", "3.00"),)))
    h.decide(h.submit(**dual, goods=(("1C350", "4.00"),)), "denied", criteria=(1,))
    h.decide(h.submit(**dual, purpose="temporary", goods=(("1C350", "5.00"),)))
    h.decide(h.submit(**dual, goods=(("1C350", "6.00"),)), decided_at="2023-06-01T10:00:00Z")
    assert first
    # An extension counts its increase (in category 3), as the by-type table counts it.
    h.decide(h.submit(**dual, destinations=("CN",), amends={
        "licence_number": first, "kind": "extension"},
        goods=(("3A001", "120.00"), ("5A002.a", "50.00"))))
    doc = report(h, ref)
    du = doc["dual_use"]
    assert du["by_destination"] == [
        {"destination": "CN", "licences": 3, "value_eur": "200.00"},
        {"destination": "VARIOUS", "licences": 1, "value_eur": "7.00"}]
    categories = {r["category"]: r for r in du["by_category"]}
    assert list(categories) == [str(n) for n in range(10)]
    assert categories["3"] == {"category": "3", "name": "Electronics", "licences": 3,
                               "value_eur": "127.00"}
    assert (categories["5"]["licences"], categories["5"]["value_eur"]) == (1, "50.00")
    assert (categories["9"]["name"], categories["9"]["licences"]) == (
        "Aerospace and propulsion", 1)
    assert categories["1"]["licences"] == categories["0"]["licences"] == 0
    [individual] = [r for r in du["by_type"] if r["type"] == "individual"]
    assert sum(r["licences"] for r in du["by_destination"]) == individual["issued"] == 4
    for rows in (du["by_destination"], du["by_category"]):
        assert sum(Decimal(r["value_eur"]) for r in rows) == Decimal(
            individual["issued_value_eur"])


def test_goods_with_no_annex_i_entry_are_unrated_and_listed_last(ref: Any) -> None:
    h = History()
    h.decide(h.submit(regime="dual_use", goods=(("EAR99", "10.00"), ("2B910", "5.00"))))
    rows = report(h, ref)["dual_use"]["by_category"]
    assert [r["category"] for r in rows] == [*(str(n) for n in range(10)), "unrated"]
    assert (rows[2]["value_eur"], rows[-1]["value_eur"], rows[-1]["name"]) == (
        "5.00", "10.00", "")


@pytest.mark.parametrize("seed", [3, 11])
def test_the_figures_add_up_to_the_individual_licences_of_a_generated_year(
        ref: Any, seed: int) -> None:
    facts: Facts = {}
    for env in generate(seed, applications=300).dicts():
        evolve(facts, env)
    du = build_report(2024, facts, ref, on=ON)["dual_use"]
    [individual] = [r for r in du["by_type"] if r["type"] == "individual"]
    assert sum(r["licences"] for r in du["by_destination"]) == individual["issued"] > 0
    assert max(r["licences"] for r in du["by_category"]) <= individual["issued"]
    for rows in (du["by_destination"], du["by_category"]):
        assert sum(Decimal(r["value_eur"]) for r in rows) == Decimal(
            individual["issued_value_eur"])


def test_the_netherlands_share_of_the_eu_consultations_with_the_total_s_source(
        ref: Any) -> None:
    h = History()
    h.consultation(consulting="NL", denying="FR")
    h.consultation(consulting="DE", denying="NL")
    h.consultation(consulting="NL", denying="DE")
    h.consultation(consulting="DE", denying="FR")  # without the Netherlands
    h.consultation(consulting="NL", denying="FR", opened_at="2023-12-31T23:30:00Z")  # 2024 here
    totals = [EuConsultations(2024, 160, "EU annual report 2024"),
              EuConsultations(2023, 150, "EU annual report 2023")]
    doc = report(h, ref, eu_consultations=totals)
    assert doc["consultations"] == [{"started": 3, "received": 1}]
    assert doc["consultations_share"] == [{
        "year": 2024, "started": 3, "received": 1, "netherlands": 4, "eu_total": 160,
        "share_pct": "2.50", "source": "EU annual report 2024"}]
    unknown = report(h, ref, eu_consultations=totals[1:])["consultations_share"]
    assert (unknown[0]["eu_total"], unknown[0]["share_pct"], unknown[0]["source"]) == (
        None, None, None)


def test_the_packaged_eu_totals_are_marked_illustrative_and_a_bad_line_is_named() -> None:
    totals = eu_totals(EU_CONSULTATIONS_CSV.read_text())
    assert [t.year for t in totals] == list(range(2015, 2025))
    assert all("illustrative" in t.source and t.total > 0 for t in totals)
    assert load_sources().eu_consultations == tuple(totals)
    with pytest.raises(ValueError, match="line 2"):
        eu_totals("year,eu_total,source\n2024,many,x\n")
    with pytest.raises(ValueError, match="line 3.*negative"):
        eu_totals("# comment\nyear,eu_total,source\n2023,1,x\n2024,-1,x\n")


def test_a_defence_surplus_notice_is_in_the_register_with_its_kind(ref: Any) -> None:
    h = History()
    ua = h.decide(h.submit(destinations=("UA",), goods=(("ML4", "4000000.00"),)))
    assert ua
    h.letter("Kamerbrief 2024-0001", sent_on="2024-04-15", numbers=(ua,))
    h.letter("Kamerbrief 2024-0002", sent_on="2024-05-21", numbers=(), destination="EE",
             kind="defence_surplus_notice", note="sale of surplus howitzers")
    documents = report(h, ref)["parliament"]["documents"]
    assert [(d["sent_on"], d["kind"], d["reference"], d["licence_numbers"])
            for d in documents] == [
        ("2024-04-15", "periodic_letter", "Kamerbrief 2024-0001", [ua]),
        ("2024-05-21", "defence_surplus_notice", "Kamerbrief 2024-0002", [])]
    assert documents[1]["explanation"] == "sale of surplus howitzers"
    assert documents[1]["destination"] == "EE"


def test_the_new_tables_come_as_csv_with_their_header(ref: Any) -> None:
    h = History()
    h.decide(h.submit(regime="dual_use", destinations=("CN",), goods=(("3A001", "10.00"),)))
    doc = report(h, ref, eu_consultations=[EuConsultations(2024, 100, "EU report")])
    assert render_csv(doc, "dual_use.by_destination").splitlines() == [
        "destination,licences,value_eur", "CN,1,10.00"]
    assert render_csv(doc, "dual_use.by_category").splitlines()[4] == "3,Electronics,1,10.00"
    assert render_csv(doc, "consultations_share").splitlines() == [
        "year,started,received,netherlands,eu_total,share_pct,source",
        "2024,0,0,0,100,0.00,EU report"]
