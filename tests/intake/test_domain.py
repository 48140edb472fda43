"""Intake's pure rules: given a licence and a shipment, the judgement; periods and their days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.intake import domain, events
from shared.reference import load_reference

REF = load_reference()
LICENCE = domain.LicenceState(
    licence_number="NL-1", destinations=("NO", "DE"), destination_group=None,
    value_eur=Decimal("1000.00"), used_eur=Decimal("400.00"),
    valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2025, 12, 31),
    revoked_on=None, suspensions=((dt.date(2024, 5, 1), dt.date(2024, 6, 1)),))


@pytest.mark.parametrize(("shipped_on", "country", "value", "code"), [
    ("2024-07-01", "NO", "600.00", None),
    ("2024-07-01", "NO", "600.01", "value_exceeded"),
    ("2024-07-01", "SE", "1.00", "country_not_covered"),
    ("2023-12-31", "NO", "1.00", "outside_validity"),
    ("2026-01-01", "NO", "1.00", "outside_validity"),
    ("2024-05-01", "NO", "1.00", "suspended"),
    ("2024-05-31", "NO", "1.00", "suspended"),
    ("2024-06-01", "NO", "1.00", None),
])
def test_a_shipment_is_judged_against_its_licence(shipped_on: str, country: str, value: str,
                                                  code: str | None) -> None:
    refusal = domain.judge_shipment(LICENCE, shipped_on=dt.date.fromisoformat(shipped_on),
                                    country=country, value_eur=Decimal(value), ref=REF)
    assert (refusal.code if refusal else None) == code


def test_a_revocation_refuses_from_its_day_on() -> None:
    revoked = domain.LicenceState(**{**LICENCE.__dict__, "revoked_on": dt.date(2024, 9, 1)})
    judge = lambda day: domain.judge_shipment(  # noqa: E731
        revoked, shipped_on=day, country="NO", value_eur=Decimal(1), ref=REF)
    assert judge(dt.date(2024, 8, 31)) is None
    assert judge(dt.date(2024, 9, 1)).code == "revoked"  # type: ignore[union-attr]


def test_a_group_licence_covers_members_as_of_the_shipment_day() -> None:
    nato = domain.LicenceState(**{**LICENCE.__dict__, "destinations": ("EU_NATO_PLUS",),
                                  "destination_group": "EU_NATO_PLUS"})
    # Sweden joined NATO on 2024-03-07 but was an EU member all along; Norway is NATO.
    assert domain.covers(nato, "NO", dt.date(2024, 1, 2), REF)
    assert domain.covers(nato, "JP", dt.date(2024, 1, 2), REF)
    assert not domain.covers(nato, "CN", dt.date(2024, 1, 2), REF)


@pytest.mark.parametrize(("period", "today", "day"), [
    ("2024", "2026-01-01", "2024-12-31"),
    ("2024-Q1", "2026-01-01", "2024-03-31"),
    ("2024-Q4", "2026-01-01", "2024-12-31"),
    ("2024-Q3", "2024-08-15", "2024-08-15"),
])
def test_a_realisation_is_judged_on_its_period_s_last_day_or_today(period: str, today: str,
                                                                   day: str) -> None:
    got = domain.realisation_check_date(period, dt.date.fromisoformat(today))
    assert got == dt.date.fromisoformat(day)


SAMPLES = {
    events.APPLICATION_SUBMITTED: {
        "id": "a1", "reference": "R1", "received_at": "2024-03-01T08:00:00+00:00",
        "regime": "military", "procedure": "licence", "transaction": "export",
        "licence_type": "individual", "purpose": "definitive", "amends": None,
        "catch_all": False, "applicant": {"name": "A", "eori": "NL1"}, "destinations": ["NO"],
        "destination_group": None, "origins": [], "consignee": None,
        "end_user": {"name": "E", "country": "NO", "type": "armed_forces"}, "end_use": "u",
        "goods": [{"description": "d", "rating": "ML5", "quantity": 1, "value_eur": "1.00",
                   "complete_system": False, "annex": None}],
        "service_value_eur": None, "value_eur": "1.00"},
    events.APPLICATION_WITHDRAWN: {"application_id": "a1", "reason": None},
    events.SHIPMENT_RECORDED: {
        "licence_number": "NL-1", "application_id": "a1", "declaration_ref": "D",
        "shipped_on": "2024-06-01", "country": "NO", "quantity": 1, "value_eur": "1.00",
        "regime": "military"},
    events.SHIPMENT_REFUSED: {
        "licence_number": "NL-1", "application_id": "a1", "declaration_ref": "D",
        "shipped_on": "2024-06-01", "country": "SE", "quantity": 1, "value_eur": "1.00",
        "regime": "military", "reason": "not covered", "reason_code": "country_not_covered"},
    events.REALISATION_REPORTED: {
        "id": "r1", "code": "NL008", "regime": "military",
        "exporter": {"name": "X", "eori": "NL1"}, "period": "2024", "direction": "transit",
        "country": "US", "destination": "TR", "value_eur": "1.00", "ratings": ["ML4"],
        "flagged": True, "flags": ["NL008 does not cover final destination TR"],
        "checked_on": "2024-12-31"},
    events.CLASSIFICATION_REQUESTED: {"id": "c1", "description": "d", "technical_data": "t"},
}


@pytest.mark.parametrize("event_type", sorted(events.PAYLOADS))
def test_every_event_type_has_a_sample_that_keeps_parsing(event_type: str) -> None:
    assert events.payload(event_type, **SAMPLES[event_type]) == SAMPLES[event_type]
