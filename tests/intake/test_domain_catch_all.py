"""Catch-all requirements applied by intake, given assessment's events, when a use or a
shipment, then its flag or refusal citing the requirement (no database, no NATS)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from services.intake.domain.catch_all import Requirement, evolve, imposed
from services.intake.domain.realisations import ReportRealisation, decide_report
from services.intake.domain.registrations import Registration
from services.intake.domain.shipments import RecordShipment, decide_shipment
from shared.contracts.assessment import CatchAllRequirementImposed, CatchAllRequirementLifted
from shared.contracts.intake import ShipmentRefused
from shared.contracts.types import Company
from tests.intake.test_domain import LICENCE, SANCTIONS
from tests.intake.test_domain_realisations import REF, REGISTERS

ACME = Company(name="Acme Optics B.V.", eori="NL999999999")
IMPOSED = CatchAllRequirementImposed.model_validate({
    **CatchAllRequirementImposed.examples[0], "destination": "NO", "imposed_on": "2024-04-02"})
LIFTED = CatchAllRequirementLifted(id="ca-2024-0001", lifted_on=dt.date(2024, 10, 1),
                                   reason="end user no longer of concern")


def requirement(*, lifted: bool = False) -> Requirement:
    """The requirement on Acme to Norway from 2024-04-02, lifted on 2024-10-01 if told."""
    made = imposed(IMPOSED)
    return evolve(made, LIFTED) if lifted else made


def use(on: dt.date, **changes: Any) -> ReportRealisation:
    fields: dict[str, Any] = {
        "realisation_id": "r1", "code": "NL003", "exporter": ACME, "period": "2024",
        "direction": "transfer", "country": "NO", "destination": None,
        "value_eur": Decimal("1000.00"), "ratings": ("ML10h",), "used_on": on}
    return ReportRealisation(**{**fields, **changes})


def flags(cmd: ReportRealisation, *requirements: Requirement) -> list[tuple[str, str | None]]:
    registered = Registration(id="g1", code=cmd.code, exporter=ACME,
                              registered_on=dt.date(2000, 1, 1))
    event = decide_report(cmd, REF, today=dt.date(2025, 1, 1), registrations=[registered],
                          registers=REGISTERS, sanctions=SANCTIONS,
                          requirements=requirements)
    return [(f.code, f.cited) for f in event.flags]


def test_a_use_by_the_exporter_to_the_destination_is_flagged_while_it_holds() -> None:
    assert flags(use(dt.date(2024, 4, 1)), requirement()) == []
    assert flags(use(dt.date(2024, 4, 2)), requirement()) == [
        ("catch-all-requirement", "ca-2024-0001")]
    assert flags(use(dt.date(2024, 9, 30)), requirement(lifted=True)) == [
        ("catch-all-requirement", "ca-2024-0001")]
    assert flags(use(dt.date(2024, 10, 1)), requirement(lifted=True)) == []


def test_another_exporter_or_destination_is_not_covered() -> None:
    other = Company(name="Damen", eori="NL111111111")
    assert flags(use(dt.date(2024, 6, 1), exporter=other), requirement()) == []
    assert flags(use(dt.date(2024, 6, 1), country="DE"), requirement()) == []


def test_a_transit_is_judged_on_its_final_destination() -> None:
    transit = use(dt.date(2024, 6, 1), code="NL008", direction="transit", country="US",
                  destination="NO", ratings=("ML4",))
    assert flags(transit, requirement()) == [("catch-all-requirement", "ca-2024-0001")]


def test_a_shipment_of_the_exporter_to_the_country_is_refused_citing_it() -> None:
    licence = replace(LICENCE, exporter_eori="NL999999999")
    cmd = RecordShipment(licence_number="NL-1", declaration_ref="D1",
                         shipped_on=dt.date(2024, 7, 1), country="NO", quantity=1,
                         value_eur=Decimal("1.00"))
    refused = decide_shipment(licence, cmd, REF, sanctions=SANCTIONS,
                              requirements=[requirement()])
    assert isinstance(refused, ShipmentRefused)
    assert (refused.reason_code, refused.cited) == ("catch_all_requirement", "ca-2024-0001")
    assert "ca-2024-0001" in refused.reason
    after = replace(cmd, shipped_on=dt.date(2024, 10, 1))
    assert not isinstance(decide_shipment(licence, after, REF, sanctions=SANCTIONS,
                                          requirements=[requirement(lifted=True)]),
                          ShipmentRefused)
    unknown = replace(LICENCE, exporter_eori=None)
    assert not isinstance(decide_shipment(unknown, cmd, REF, sanctions=SANCTIONS,
                                          requirements=[requirement()]), ShipmentRefused)

