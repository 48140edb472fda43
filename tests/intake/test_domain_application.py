"""The application aggregate, given events, when a command, then events (no database, no NATS)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from services.intake.domain.application import (
    NEW,
    Application,
    SubmitApplication,
    WithdrawApplication,
    decide_submit,
    decide_withdraw,
    fold,
)
from shared.contracts import Payload
from shared.contracts.assessment import CaseDecided, CaseOpened, CaseRouted, LicenceIssued
from shared.contracts.intake import ApplicationSubmitted, ApplicationWithdrawn, ShipmentRecorded
from shared.errors import Conflict, Invalid, NotFound
from shared.reference import load_reference

REF = load_reference()
NOW = dt.datetime(2024, 3, 4, 12, tzinfo=dt.UTC)
APP_ID = "a1"


def form(**changes: Any) -> dict[str, Any]:
    """The fields of a valid military export application as its request schema reads them."""
    fields: dict[str, Any] = {
        "reference": "CDIU-1", "received_at": None, "regime": "military",
        "procedure": "licence", "transaction": "export", "licence_type": "individual",
        "purpose": "definitive", "amends": None, "catch_all": False,
        "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
        "destinations": ["NO"], "destination_group": None, "origins": [], "consignee": None,
        "end_user": {"name": "Norwegian Armed Forces", "country": "NO", "type": "armed_forces"},
        "end_use": "air defence", "service_value_eur": None,
        "goods": [{"description": "radar", "rating": "ML5a", "quantity": 2,
                   "value_eur": "1500000.50", "complete_system": False, "annex": None},
                  {"description": "spares", "rating": "ML5d", "quantity": 10,
                   "value_eur": "200.00", "complete_system": False, "annex": None}],
    }
    return {**fields, **changes}


def submit(**changes: Any) -> SubmitApplication:
    """The command submitting `form(**changes)`, received an hour before NOW."""
    return SubmitApplication(APP_ID, form(**changes), NOW - dt.timedelta(hours=1))


def submitted(**changes: Any) -> ApplicationSubmitted:
    """The event of an accepted submission."""
    (event,) = decide_submit(NEW, submit(**changes), REF, now=NOW)
    assert isinstance(event, ApplicationSubmitted)
    return event


def opened() -> CaseOpened:
    return CaseOpened(application_id=APP_ID, reference="CDIU-1", regime="military",
                      procedure="licence")


def routed() -> CaseRouted:
    return CaseRouted(queue="cdiu", rule="military.nato", reference_version="2024.1")


def decided(outcome: str, criteria: tuple[int, ...] = ()) -> CaseDecided:
    return CaseDecided.model_validate({
        "application_id": APP_ID, "reference": "CDIU-1", "outcome": outcome,
        "criteria": list(criteria), "note": None, "decided_at": "2024-05-01T10:00:00+00:00",
        "queue": "cdiu"})


def issued(number: str = "NL-1") -> LicenceIssued:
    example = dict(LicenceIssued.examples[0])
    return LicenceIssued.model_validate({**example, "licence_number": number,
                                         "application_id": APP_ID})


def given(*events: Payload) -> Application:
    """The application after these events."""
    return fold(events)


def test_a_valid_application_is_accepted_with_the_value_of_its_goods() -> None:
    event = submitted()
    assert event.id == APP_ID and event.reference == "CDIU-1"
    assert event.value_eur == Decimal("1500200.50")
    assert event.received_at == NOW - dt.timedelta(hours=1)
    assert given(event).status == "submitted"


def test_every_broken_rule_is_named_at_once() -> None:
    with pytest.raises(Invalid) as refused:
        decide_submit(NEW, submit(destinations=["XX"], service_value_eur="1.00",
                                  goods=[{**form()["goods"][0], "rating": "ML99"}]),
                      REF, now=NOW)
    assert [e.loc for e in refused.value.errors] == [
        ("body", "destinations", 0), ("body", "goods", 0, "rating"),
        ("body", "service_value_eur")]


def test_an_application_received_in_the_future_is_invalid_beyond_the_clock_skew() -> None:
    late = SubmitApplication(APP_ID, form(), NOW + dt.timedelta(minutes=1))
    assert decide_submit(NEW, late, REF, now=NOW)
    later = SubmitApplication(APP_ID, form(), NOW + dt.timedelta(minutes=3))
    with pytest.raises(Invalid) as refused:
        decide_submit(NEW, later, REF, now=NOW)
    assert [e.loc for e in refused.value.errors] == [("body", "received_at")]


def test_an_amendment_names_a_licence_intake_knows() -> None:
    cmd = submit(amends={"licence_number": "NL-9", "kind": "extension"})
    assert decide_submit(NEW, cmd, REF, now=NOW, amended_licence_known=True)
    with pytest.raises(Invalid) as refused:
        decide_submit(NEW, cmd, REF, now=NOW, amended_licence_known=False)
    assert [e.loc for e in refused.value.errors] == [("body", "amends", "licence_number")]


def test_a_stream_holds_one_submission() -> None:
    with pytest.raises(Conflict):
        decide_submit(given(submitted()), submit(), REF, now=NOW)


@pytest.mark.parametrize("history", [(), (opened,), (opened, routed)])
def test_an_undecided_application_can_be_withdrawn(history: tuple[Any, ...]) -> None:
    app = given(submitted(), *(make() for make in history))
    events = decide_withdraw(app, WithdrawApplication(APP_ID, "contract cancelled"))
    assert events == [ApplicationWithdrawn(application_id=APP_ID, reason="contract cancelled")]
    assert fold(events, app).status == "withdrawn"


def test_a_withdrawal_repeated_records_nothing() -> None:
    app = given(submitted(), ApplicationWithdrawn(application_id=APP_ID, reason=None))
    assert decide_withdraw(app, WithdrawApplication(APP_ID)) == []


@pytest.mark.parametrize("outcome", ["approved", "denied"])
def test_a_decided_application_cannot_be_withdrawn(outcome: str) -> None:
    app = given(submitted(), opened(), decided(outcome))
    with pytest.raises(Conflict) as refused:
        decide_withdraw(app, WithdrawApplication(APP_ID))
    assert refused.value.kind == "already-decided"
    assert refused.value.extra == {"status_now": outcome}


def test_withdrawing_an_application_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(NotFound):
        decide_withdraw(NEW, WithdrawApplication("nope"))


def test_the_status_follows_the_case_to_approval_and_its_licence() -> None:
    assert given(submitted(), opened()).status == "under_assessment"
    assert given(submitted(), routed()).status == "under_assessment"
    approved = given(submitted(), opened(), routed(), decided("approved"))
    assert approved.status == "approved" and approved.licence_number is None
    assert approved.decision is not None and approved.decision.criteria == ()
    licensed = fold([issued("NL-7")], approved)
    assert licensed.status == "approved" and licensed.licence_number == "NL-7"


def test_a_denial_keeps_its_criteria_and_its_time() -> None:
    app = given(submitted(), opened(), decided("denied", (2, 4, 7)))
    assert app.status == "denied" and app.decision is not None
    assert app.decision.criteria == (2, 4, 7)
    assert app.decision.decided_at == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)


def test_a_case_opened_after_the_decision_leaves_it_decided() -> None:
    assert given(submitted(), decided("denied", (1,)), opened()).status == "denied"


def test_a_decision_after_withdrawal_leaves_it_withdrawn() -> None:
    withdrawn = ApplicationWithdrawn(application_id=APP_ID, reason=None)
    app = given(submitted(), withdrawn, decided("denied", (1,)), opened())
    assert app.status == "withdrawn" and app.decision is None


def test_a_licence_issued_approves_an_undecided_application() -> None:
    # An extension or replacement may be issued without a CaseDecided intake saw first.
    app = given(submitted(), issued("NL-8"))
    assert app.status == "approved" and app.licence_number == "NL-8"


def test_shipments_on_the_application_s_stream_leave_it_be() -> None:
    app = given(submitted(), opened(), decided("approved"), issued())
    shipment = ShipmentRecorded.model_validate(ShipmentRecorded.examples[0])
    assert fold([shipment], app) == app
