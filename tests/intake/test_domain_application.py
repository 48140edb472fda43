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
from shared.reference.registers import load_register

REF = load_reference()
REGISTERS = {name: load_register(name) for name in ("certified_recipients", "icp_approvals")}
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
    (event,) = decide_submit(NEW, submit(**changes), REF, now=NOW, registers=REGISTERS)
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
                      REF, now=NOW, registers=REGISTERS)
    assert [e.loc for e in refused.value.errors] == [
        ("body", "destinations", 0), ("body", "goods", 0, "rating"),
        ("body", "service_value_eur")]


def test_an_application_received_in_the_future_is_invalid_beyond_the_clock_skew() -> None:
    late = SubmitApplication(APP_ID, form(), NOW + dt.timedelta(minutes=1))
    assert decide_submit(NEW, late, REF, now=NOW, registers=REGISTERS)
    later = SubmitApplication(APP_ID, form(), NOW + dt.timedelta(minutes=3))
    with pytest.raises(Invalid) as refused:
        decide_submit(NEW, later, REF, now=NOW, registers=REGISTERS)
    assert [e.loc for e in refused.value.errors] == [("body", "received_at")]


def test_an_amendment_names_a_licence_intake_knows() -> None:
    cmd = submit(amends={"licence_number": "NL-9", "kind": "extension"})
    assert decide_submit(NEW, cmd, REF, now=NOW, registers=REGISTERS, amended_licence_known=True)
    with pytest.raises(Invalid) as refused:
        decide_submit(NEW, cmd, REF, now=NOW, registers=REGISTERS,
                      amended_licence_known=False)
    assert [e.loc for e in refused.value.errors] == [("body", "amends", "licence_number")]


def test_a_stream_holds_one_submission() -> None:
    with pytest.raises(Conflict):
        decide_submit(given(submitted()), submit(), REF, now=NOW, registers=REGISTERS)


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


def _national(rating: str, received: dt.datetime, **changes: Any) -> SubmitApplication:
    fields = form(regime="national", goods=[{**form()["goods"][0], "rating": rating}], **changes)
    return SubmitApplication(APP_ID, fields, received)


@pytest.mark.parametrize(("rating", "received", "accepted"), [
    ("3B901", dt.datetime(2023, 9, 1, 12, tzinfo=dt.UTC), True),
    ("3B901", dt.datetime(2023, 8, 31, 12, tzinfo=dt.UTC), False),
    ("3B903", dt.datetime(2024, 9, 6, 12, tzinfo=dt.UTC), False),   # before the amendment
    ("3B903", dt.datetime(2024, 9, 7, 12, tzinfo=dt.UTC), True),
    ("4A901", dt.datetime(2024, 11, 30, 12, tzinfo=dt.UTC), False),  # additional controls
    ("4A901", dt.datetime(2024, 12, 1, 12, tzinfo=dt.UTC), True),
    ("3B001", dt.datetime(2024, 12, 1, 12, tzinfo=dt.UTC), False),  # an Annex I item
    ("ML5", dt.datetime(2024, 12, 1, 12, tzinfo=dt.UTC), False),
])
def test_a_national_rating_is_on_a_national_list_valid_when_received(
    rating: str, received: dt.datetime, accepted: bool,
) -> None:
    cmd = _national(rating, received)
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    if accepted:
        (event,) = decide_submit(NEW, cmd, REF, now=now, registers=REGISTERS)
        assert isinstance(event, ApplicationSubmitted) and event.regime == "national"
        assert [r.name for r in event.registers] == ["national_measures"]
        return
    with pytest.raises(Invalid) as refused:
        decide_submit(NEW, cmd, REF, now=now, registers=REGISTERS)
    assert [e.loc for e in refused.value.errors] == [("body", "goods", 0, "rating")]


@pytest.mark.parametrize(("regime", "rating", "annex", "accepted"), [
    ("military", "ML5a", None, True), ("dual_use", "3A001", None, True),
    ("anti_torture", "III.2.1", "III", True), ("national", "3B901", None, False),
])
def test_technical_assistance_is_licensed_for_three_regimes(
    regime: str, rating: str, annex: str | None, accepted: bool,
) -> None:
    goods = [{**form()["goods"][0], "rating": rating, "annex": annex}]
    cmd = SubmitApplication(APP_ID, form(regime=regime, transaction="technical_assistance",
                                         goods=goods, end_use="riot control training"), NOW)
    if accepted:
        assert decide_submit(NEW, cmd, REF, now=NOW, registers=REGISTERS)
        return
    with pytest.raises(Invalid) as refused:
        decide_submit(NEW, cmd, REF, now=NOW, registers=REGISTERS)
    assert ("body", "transaction") in [e.loc for e in refused.value.errors]


def test_anti_torture_goods_may_be_imported_and_transited_others_not_imported() -> None:
    goods = [{**form()["goods"][0], "rating": "III.2.1", "annex": "III"}]
    torture = {"regime": "anti_torture", "goods": goods, "end_use": "riot control"}
    def decide(cmd: SubmitApplication) -> list[Payload]:
        return decide_submit(NEW, cmd, REF, now=NOW, registers=REGISTERS)

    assert decide(submit(transaction="import", origins=["US"], **torture))
    assert decide(submit(transaction="transit", origins=["US"], **torture))
    with pytest.raises(Invalid) as refused:
        decide(submit(transaction="import", origins=["US"]))
    assert [e.loc for e in refused.value.errors] == [("body", "transaction")]
    with pytest.raises(Invalid) as refused:
        decide(submit(transaction="transit", **torture))
    assert [e.loc for e in refused.value.errors] == [("body", "origins")]


@pytest.mark.parametrize(("eori", "received", "accepted"), [
    ("NL999999999", dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC), True),
    ("NL999999999", dt.datetime(2022, 4, 30, 9, tzinfo=dt.UTC), False),  # before its approval
    ("NL823456789", dt.datetime(2024, 3, 31, 9, tzinfo=dt.UTC), True),
    ("NL823456789", dt.datetime(2024, 4, 1, 9, tzinfo=dt.UTC), False),  # approval lapsed
    ("NL111111111", dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC), False),  # never approved
])
def test_a_global_dual_use_licence_needs_an_approved_compliance_programme(
    eori: str, received: dt.datetime, accepted: bool,
) -> None:
    fields = form(regime="dual_use", licence_type="global", destinations=["US"],
                  applicant={"name": "Acme Optics B.V.", "eori": eori},
                  goods=[{**form()["goods"][0], "rating": "3A001"}])
    cmd = SubmitApplication(APP_ID, fields, received)
    later = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    if accepted:
        (event,) = decide_submit(NEW, cmd, REF, now=later, registers=REGISTERS)
        assert isinstance(event, ApplicationSubmitted)
        assert [(r.name, r.version) for r in event.registers] == [("icp_approvals", "2024.1")]
        return
    with pytest.raises(Invalid) as refused:
        decide_submit(NEW, cmd, REF, now=later, registers=REGISTERS)
    (error,) = refused.value.errors
    assert error.loc == ("body", "licence_type")
    assert "internal compliance programme" in error.msg and "icp_approvals 2024.1" in error.msg


def test_an_individual_dual_use_licence_needs_no_programme() -> None:
    fields = form(regime="dual_use", destinations=["US"],
                  applicant={"name": "Small B.V.", "eori": "NL111111111"},
                  goods=[{**form()["goods"][0], "rating": "3A001"}])
    (event,) = decide_submit(NEW, SubmitApplication(APP_ID, fields, NOW), REF, now=NOW,
                             registers=REGISTERS)
    assert isinstance(event, ApplicationSubmitted) and event.registers == []
