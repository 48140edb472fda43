"""Every routing rule, judged with the reference data valid on the received date."""

from __future__ import annotations

from typing import Any

import pytest

from services.assessment.domain.routing import Routing
from services.assessment.domain.routing import route as route_application
from shared.contracts.assessment import CaseApplication
from shared.reference import ReferenceData, load_reference


def application(regime: str, destinations: list[str], *, on: str = "2024-06-01",
                ratings: tuple[str | None, ...] = ("ML6",), **extra: Any) -> dict[str, Any]:
    """A small application payload as intake records it."""
    return {"id": "a1", "reference": "R1", "regime": regime, "procedure": "licence",
            "transaction": "export", "licence_type": "individual", "purpose": "definitive",
            "amends": None, "catch_all": False, "applicant": {"name": "A", "eori": "NL1"},
            "received_at": f"{on}T10:00:00+00:00", "destinations": destinations,
            "destination_group": None, "origins": [], "consignee": None,
            "end_user": {"name": "X", "country": "SE", "type": "government"}, "end_use": "",
            "goods": [{"description": "g", "rating": r, "quantity": 1, "value_eur": "10.00"}
                      for r in ratings], "service_value_eur": None, "value_eur": "10.00",
            **extra}


def route(app: dict[str, Any], ref: ReferenceData) -> Routing:
    """The routing of an application given as its payload."""
    return route_application(CaseApplication.model_validate(app), ref)


CASES = [
    # (name, regime, destinations, on, ratings, extra, queue, rule)
    ("military to an EU member", "military", ["DE"], "2024-06-01", ("ML6",), {},
     "cdiu", "military.nato_plus"),
    ("military to a NATO member outside the EU", "military", ["US"], "2024-06-01", ("ML6",), {},
     "cdiu", "military.nato_plus"),
    ("military to NATO+ Japan", "military", ["JP"], "2024-06-01", ("ML6",), {},
     "cdiu", "military.nato_plus"),
    ("military to NATO+ Switzerland", "military", ["CH"], "2024-06-01", ("ML10c",), {},
     "cdiu", "military.nato_plus"),
    ("military to Cyprus (EU) goes to the MFA", "military", ["CY"], "2024-06-01", ("ML6",), {},
     "mfa", "military.cdiu_exception"),
    ("military to Turkey (NATO) goes to the MFA", "military", ["TR"], "2024-06-01", ("ML6",),
     {}, "mfa", "military.cdiu_exception"),
    ("military to Sweden before NATO, still EU", "military", ["SE"], "2024-03-06", ("ML6",), {},
     "cdiu", "military.nato_plus"),
    ("military to Saudi Arabia", "military", ["SA"], "2024-06-01", ("ML6",), {},
     "mfa", "military.outside_nato_plus"),
    ("military to Ukraine", "military", ["UA"], "2024-06-01", ("ML6",), {},
     "mfa", "military.outside_nato_plus"),
    ("military to several, one outside", "military", ["DE", "IN"], "2024-06-01", ("ML6",), {},
     "mfa", "military.outside_nato_plus"),
    ("military global licence to the EU group", "military", ["EU"], "2024-06-01", ("ML6",),
     {"licence_type": "global"}, "cdiu", "military.destination_group"),
    ("military global licence to the EU/NATO+ group", "military", ["EU_NATO_PLUS"],
     "2024-06-01", ("ML6",), {"licence_type": "global"}, "cdiu", "military.destination_group"),
    ("military to Sweden after its NATO accession", "military", ["SE"], "2024-03-07",
     ("ML6",), {}, "cdiu", "military.nato_plus"),
    ("military to Norway (NATO, not EU)", "military", ["NO"], "2024-06-01", ("ML6",), {},
     "cdiu", "military.nato_plus"),
    ("anti-torture goods to the EU group", "anti_torture", ["EU"], "2024-06-01",
     ("III.2.1",), {"licence_type": "global"}, "cdiu", "anti_torture.abolitionist"),
    ("anti-torture goods to the EU/NATO+ group (includes the US)", "anti_torture",
     ["EU_NATO_PLUS"], "2024-06-01", ("III.2.1",), {"licence_type": "global"}, "mfa",
     "anti_torture.death_penalty"),
    ("military sondage routes like an application", "military", ["SA"], "2024-06-01",
     ("ML6",), {"procedure": "sondage"}, "mfa", "military.outside_nato_plus"),
    ("dual-use Wassenaar item to a Wassenaar member", "dual_use", ["IN"], "2024-06-01",
     ("3A001",), {}, "cdiu", "dual_use.regime_member"),
    ("dual-use Wassenaar item to a non-member", "dual_use", ["SA"], "2024-06-01",
     ("3A001",), {}, "mfa", "dual_use.outside_regime"),
    ("dual-use MTCR item to a WA member outside MTCR", "dual_use", ["MX"], "2024-06-01",
     ("9A101",), {}, "mfa", "dual_use.outside_regime"),
    ("dual-use MTCR item to an MTCR member", "dual_use", ["BR"], "2024-06-01",
     ("9A101",), {}, "cdiu", "dual_use.regime_member"),
    ("dual-use Australia Group item to Cyprus (AG member)", "dual_use", ["CY"], "2024-06-01",
     ("1C350",), {}, "cdiu", "dual_use.regime_member"),
    ("dual-use Wassenaar item to Cyprus (not in WA)", "dual_use", ["CY"], "2024-06-01",
     ("3A001",), {}, "mfa", "dual_use.outside_regime"),
    ("dual-use NSG item (category 0) to an NSG member", "dual_use", ["BR"], "2024-06-01",
     ("0B001",), {}, "cdiu", "dual_use.regime_member"),
    ("dual-use to an embargoed regime member is sensitive", "dual_use", ["RU"], "2024-06-01",
     ("3A001",), {}, "mfa", "dual_use.embargo"),
    ("dual-use catch-all is sensitive", "dual_use", ["IN"], "2024-06-01", (None,),
     {"catch_all": True}, "mfa", "dual_use.catch_all"),
    ("dual-use national entry has no regime list", "dual_use", ["DE"], "2024-06-01",
     ("2B910",), {}, "mfa", "dual_use.no_regime"),
    ("anti-torture goods to a death-penalty state", "anti_torture", ["US"], "2024-06-01",
     ("III.2.1",), {}, "mfa", "anti_torture.death_penalty"),
    ("anti-torture goods to an abolitionist state", "anti_torture", ["NO"], "2024-06-01",
     ("III.2.1",), {}, "cdiu", "anti_torture.abolitionist"),
    ("national measures to an ally", "national", ["JP"], "2024-06-01", ("3B993",), {},
     "cdiu", "national.nato_plus"),
    ("national measures outside the allies", "national", ["CN"], "2024-06-01", ("3B993",), {},
     "mfa", "national.other"),
    ("military technical assistance routes like an export", "military", ["DE"], "2024-06-01",
     ("ML6",), {"transaction": "technical_assistance"}, "cdiu", "military.nato_plus"),
    ("dual-use technical assistance outside the regime", "dual_use", ["SA"], "2024-06-01",
     ("3A001",), {"transaction": "technical_assistance"}, "mfa", "dual_use.outside_regime"),
    ("anti-torture import from a death-penalty state", "anti_torture", ["US"], "2024-06-01",
     ("III.2.1",), {"transaction": "import"}, "mfa", "anti_torture.death_penalty"),
    ("anti-torture transit to an abolitionist state", "anti_torture", ["NO"], "2024-06-01",
     ("III.2.1",), {"transaction": "transit", "origins": ["DE"]}, "cdiu",
     "anti_torture.abolitionist"),
]


@pytest.mark.parametrize(("regime", "destinations", "on", "ratings", "extra", "queue", "rule"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_routing_rule(regime: str, destinations: list[str], on: str,
                      ratings: tuple[str | None, ...], extra: dict[str, Any], queue: str,
                      rule: str) -> None:
    """Each row: the queue and the rule that decided it."""
    routing = route(application(regime, destinations, on=on, ratings=ratings, **extra),
                    load_reference())
    assert (routing.queue, routing.rule) == (queue, rule)


def test_sweden_routing_explains_membership_valid_on_the_received_date() -> None:
    """Sweden was not NATO before 2024-03-07: the routing records the membership it used."""
    ref = load_reference()
    before = route(application("military", ["SE"], on="2024-03-06"), ref)
    after = route(application("military", ["SE"], on="2024-03-07"), ref)
    assert "SE: EU)" in before.explanation
    assert "SE: EU, NATO)" in after.explanation
    assert before.judged_on.isoformat() == "2024-03-06"
    assert before.reference_version == ref.version


def test_received_date_is_the_amsterdam_calendar_date() -> None:
    """23:30 UTC on 6 March is 7 March in Amsterdam."""
    app = application("military", ["SE"], on="2024-03-06")
    app["received_at"] = "2024-03-06T23:30:00+00:00"
    assert route(app, load_reference()).judged_on.isoformat() == "2024-03-07"


def test_anti_torture_to_zimbabwe_changes_after_abolition() -> None:
    """Zimbabwe abolished the death penalty on 2024-12-31."""
    ref = load_reference()
    before = route(application("anti_torture", ["ZW"], on="2024-12-30", ratings=("III.2.1",)),
                   ref)
    after = route(application("anti_torture", ["ZW"], on="2025-01-02", ratings=("III.2.1",)),
                  ref)
    assert (before.queue, after.queue) == ("mfa", "cdiu")
