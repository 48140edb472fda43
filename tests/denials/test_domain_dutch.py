"""The denials of a decided Dutch application, without a database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.denials.domain.dutch import DutchApplication, KeptGoods, kept, nl_denials
from services.denials.domain.validity import Policy
from shared.contracts.assessment import CaseDecided
from shared.contracts.intake import ApplicationSubmitted
from shared.contracts.types import Consignee, EndUser

POLICY = Policy(validity_years=3, consultation_days=21)
APP = DutchApplication(
    id="a1", reference="NL-1", regime="military", procedure="sondage", destinations=["IL", "JO"],
    consignee=Consignee(name="Levant Logistics", country="CY", type="company"),
    end_user=EndUser(name="Troya Tech", country="IL", type="company"),
    goods=[KeptGoods(description="thermal cameras", rating="ml15a", quantity=10),
           KeptGoods(description="spare lenses", rating="ML15c", quantity=5)])


def decided(**changes: Any) -> CaseDecided:
    """Assessment's decision on APP."""
    return CaseDecided.model_validate({
        "application_id": "a1", "reference": "NL-1", "outcome": "denied", "criteria": [7, 2],
        "note": None, "decided_at": "2024-05-31T22:30:00+00:00", "queue": "mfa", **changes})


def test_a_denied_application_is_one_nl_denial_per_destination() -> None:
    il, jo = nl_denials(APP, decided(), policy=POLICY)
    assert (il.destination, jo.destination) == ("IL", "JO") and il.id != jo.id
    assert il.state == "NL" and il.reference == "NL-1" and il.application_id == "a1"
    assert il.denied_on == dt.date(2024, 6, 1), "the business day in Amsterdam"
    assert il.expires_on == dt.date(2027, 6, 1)
    assert il.criteria == [2, 7] and il.quantity == 15 and il.procedure == "sondage"
    assert il.rating == "ML15a" and il.ratings == ["ML15a", "ML15c"]
    assert il.goods_description == "thermal cameras; spare lenses"
    assert il.end_user == EndUser(name="Troya Tech", country="IL")
    assert il.consignee == Consignee(name="Levant Logistics", country="CY")


def test_the_same_decision_gives_the_same_denial_ids() -> None:
    assert [d.id for d in nl_denials(APP, decided(), policy=POLICY)] == [
        d.id for d in nl_denials(APP, decided(note="again"), policy=POLICY)]


def test_a_dutch_denial_carries_the_grounds_of_its_decision() -> None:
    anti_torture = APP.model_copy(update={"regime": "anti_torture"})
    [il, _jo] = nl_denials(anti_torture, decided(criteria=[], grounds=["annex-iii-torture"]),
                           policy=POLICY)
    assert il.regime == "anti_torture" and il.grounds == ["annex-iii-torture"]
    assert il.criteria == []


def test_an_approval_is_no_denial() -> None:
    assert nl_denials(APP, decided(outcome="approved"), policy=POLICY) == []


def test_without_destinations_the_end_user_s_country_is_the_destination() -> None:
    app = APP.model_copy(update={"destinations": [], "goods": [KeptGoods(description="x")]})
    [denial] = nl_denials(app, decided(), policy=POLICY)
    assert denial.destination == "IL" and denial.ratings == [None] and denial.rating is None
    assert denial.quantity is None


def test_the_registry_keeps_only_what_a_notification_needs() -> None:
    submitted = ApplicationSubmitted.model_validate(ApplicationSubmitted.examples[0])
    app = kept(submitted)
    assert app.id == submitted.id and app.reference == submitted.reference
    assert set(app.model_dump()) == {"id", "reference", "regime", "procedure", "destinations",
                                     "consignee", "end_user", "goods"}
    assert DutchApplication.model_validate_json(app.model_dump_json()) == app
