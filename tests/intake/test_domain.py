"""The licence as intake sees it and the shipments judged against it, given events, when a
shipment, then its judgement (no database, no NATS)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from services.intake.domain.licences import Licence, Suspension, evolve, fold, issue
from services.intake.domain.shipments import (
    RecordShipment,
    check_day,
    covers,
    decide_shipment,
    judge_shipment,
)
from shared.contracts.assessment import (
    LicenceIssued,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSuspended,
)
from shared.contracts.intake import ShipmentRecorded, ShipmentRefused
from shared.errors import Invalid
from shared.reference import load_reference
from shared.reference.sanctions import load_goods_sanctions

REF = load_reference()
SANCTIONS = load_goods_sanctions()
D = dt.date
LICENCE = Licence(
    number="NL-1", application_id="a1", regime="military", destinations=("NO", "DE"),
    destination_group=None, value_eur=Decimal("1000.00"), used_eur=Decimal("400.00"),
    valid_from=D(2024, 1, 1), valid_until=D(2025, 12, 31),
    suspensions=(Suspension(D(2024, 5, 1), D(2024, 6, 1)),))


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
    refusal = judge_shipment(LICENCE, shipped_on=D.fromisoformat(shipped_on), country=country,
                             value_eur=Decimal(value), ref=REF,
                             sanctions=SANCTIONS)
    assert (refusal.code if refusal else None) == code


def test_a_revocation_refuses_from_its_day_on() -> None:
    revoked = replace(LICENCE, revoked_on=D(2024, 9, 1))

    def judge(day: dt.date) -> str | None:
        refusal = judge_shipment(revoked, shipped_on=day, country="NO", value_eur=Decimal(1),
                                 ref=REF, sanctions=SANCTIONS)
        return refusal.code if refusal else None

    assert judge(D(2024, 8, 31)) is None
    assert judge(D(2024, 9, 1)) == "revoked"


def test_a_group_licence_covers_members_as_of_the_shipment_day() -> None:
    nato = replace(LICENCE, destinations=("EU_NATO_PLUS",), destination_group="EU_NATO_PLUS")
    # Sweden joined NATO on 2024-03-07 but was an EU member all along; Norway is NATO.
    assert covers(nato, "NO", D(2024, 1, 2), REF)
    assert covers(nato, "JP", D(2024, 1, 2), REF)
    assert not covers(nato, "CN", D(2024, 1, 2), REF)


def _shipment(value: str = "100.00", **changes: Any) -> RecordShipment:
    fields: dict[str, Any] = {"licence_number": "NL-1", "declaration_ref": "MRN-1",
                              "shipped_on": D(2024, 7, 1), "country": "NO", "quantity": 1,
                              "value_eur": Decimal(value)}
    return RecordShipment(**{**fields, **changes})


def test_a_shipment_that_fits_is_recorded_and_counts_against_the_value() -> None:
    event = decide_shipment(LICENCE, _shipment("250.50"), REF, sanctions=SANCTIONS)
    assert isinstance(event, ShipmentRecorded)
    assert (event.licence_number, event.application_id, event.regime) == ("NL-1", "a1",
                                                                          "military")
    after = evolve(LICENCE, event, on=event.shipped_on)
    assert (after.used_eur, after.left_eur) == (Decimal("650.50"), Decimal("349.50"))


def test_a_shipment_that_does_not_fit_is_refused_with_its_code_and_reason() -> None:
    event = decide_shipment(LICENCE, _shipment("600.01"), REF, sanctions=SANCTIONS)
    assert isinstance(event, ShipmentRefused) and event.reason_code == "value_exceeded"
    assert event.reason == ("the shipment of 600.01 EUR exceeds what is left under licence "
                            "NL-1: 600.00 of 1000.00 EUR")
    assert evolve(LICENCE, event, on=event.shipped_on) == LICENCE


def test_a_shipment_dated_after_today_is_invalid() -> None:
    check_day(_shipment(shipped_on=D(2024, 7, 1)), today=D(2024, 7, 1))
    with pytest.raises(Invalid) as refused:
        check_day(_shipment(shipped_on=D(2024, 7, 2)), today=D(2024, 7, 1))
    assert [e.loc for e in refused.value.errors] == [("body", "shipped_on")]


def _issued(number: str = "NL-1", **changes: Any) -> LicenceIssued:
    return LicenceIssued.model_validate({**LicenceIssued.examples[0], "licence_number": number,
                                         "destinations": ["NO"], "value_eur": "1000.00",
                                         "valid_from": "2024-01-01", "valid_until": "2025-12-31",
                                         **changes})


def _change(kind: type[Any]) -> Any:
    return kind(licence_number="NL-1", reason="inquiry")


def test_a_licence_is_issued_with_its_cover_validity_and_terms() -> None:
    licence = issue(_issued())
    assert licence.destinations == ("NO",) and licence.value_eur == Decimal("1000.00")
    assert (licence.valid_from, licence.valid_until) == (D(2024, 1, 1), D(2025, 12, 31))
    assert licence.used_eur == 0 and licence.standing == "active"
    assert licence.terms["reference"] == "NL-CUST-2024-0001"
    assert licence.terms["decided_at"] == "2024-06-03T10:00:00+00:00"


def test_a_suspension_lasts_until_reinstated_and_a_repeat_changes_nothing() -> None:
    licence = fold(issue(_issued()), [
        (_change(LicenceSuspended), D(2024, 7, 1)), (_change(LicenceSuspended), D(2024, 7, 5)),
    ])
    assert licence.standing == "suspended"
    assert licence.suspensions == (Suspension(D(2024, 7, 1)),)
    licence = fold(licence, [(_change(LicenceReinstated), D(2024, 8, 1)),
                             (_change(LicenceReinstated), D(2024, 8, 9))])
    assert licence.standing == "active"
    assert licence.suspensions == (Suspension(D(2024, 7, 1), D(2024, 8, 1)),)
    refusal = judge_shipment(licence, shipped_on=D(2024, 7, 15), country="NO",
                             value_eur=Decimal(1), ref=REF, sanctions=SANCTIONS)
    assert refusal is not None and refusal.reason == (
        "licence NL-1 was suspended from 2024-07-01 until 2024-08-01")


def test_a_revocation_outranks_a_suspension() -> None:
    licence = fold(issue(_issued()), [(_change(LicenceSuspended), D(2024, 7, 1)),
                                      (_change(LicenceRevoked), D(2024, 7, 10)),
                                      (_change(LicenceReinstated), D(2024, 8, 1))])
    assert licence.standing == "revoked" and licence.revoked_on == D(2024, 7, 10)


def test_an_extension_supersedes_its_licence_and_carries_on_its_used_value() -> None:
    old = replace(issue(_issued()), used_eur=Decimal("300.00"))
    extension = _issued("NL-2", valid_from="2024-07-01", amends={
        "licence_number": "NL-1", "kind": "extension", "known": True})
    new = issue(extension, taken_over=old)
    old = evolve(old, extension, on=D(2024, 7, 1))
    assert (old.superseded_by, old.superseded_on) == ("NL-2", D(2024, 7, 1))
    assert old.status_on(D(2024, 7, 2)) == "superseded"
    assert new.used_eur == Decimal("300.00") and new.left_eur == Decimal("700.00")
    refusal = judge_shipment(old, shipped_on=D(2024, 7, 2), country="NO", value_eur=Decimal(1),
                             ref=REF, sanctions=SANCTIONS)
    assert refusal is not None and refusal.code == "superseded"


def test_another_licence_s_events_leave_a_licence_be() -> None:
    licence = issue(_issued())
    other = _issued("NL-3", amends={"licence_number": "NL-9", "kind": "replacement"})
    shipment = ShipmentRecorded.model_validate({**ShipmentRecorded.examples[0],
                                                "licence_number": "NL-3"})
    assert fold(licence, [(other, D(2024, 7, 1)), (shipment, D(2024, 7, 1))]) == licence


def test_an_active_licence_expires_after_its_last_valid_day() -> None:
    licence = issue(_issued())
    assert licence.status_on(D(2025, 12, 31)) == "active"
    assert licence.status_on(D(2026, 1, 1)) == "expired"
    suspended = evolve(licence, _change(LicenceSuspended), on=D(2025, 1, 1))
    assert suspended.status_on(D(2026, 1, 1)) == "suspended"


def test_a_shipment_of_a_banned_item_to_russia_is_refused_naming_the_regulation() -> None:
    dual_use = replace(LICENCE, regime="dual_use", destinations=("RU",),
                       valid_from=dt.date(2021, 1, 1),
                       terms={"goods": [{"description": "frequency changers", "rating": "3A001",
                                         "quantity": 5, "value_eur": "400.00",
                                         "complete_system": False, "annex": None}]})
    cmd = RecordShipment(licence_number="NL-1", declaration_ref="D2",
                         shipped_on=dt.date(2024, 7, 1), country="RU", quantity=1,
                         value_eur=Decimal("1.00"))
    refused = decide_shipment(dual_use, cmd, REF, sanctions=SANCTIONS)
    assert isinstance(refused, ShipmentRefused) and refused.reason_code == "sanctions"
    assert refused.cited == "Council Regulation (EU) No 833/2014, art. 2"
    assert "goods sanctions 2024.1" in refused.reason
    early = replace(dual_use, valid_from=dt.date(2014, 1, 1))
    before_ban = replace(cmd, shipped_on=dt.date(2014, 7, 31))
    assert not isinstance(decide_shipment(early, before_ban, REF, sanctions=SANCTIONS),
                          ShipmentRefused)
