"""A licence's life as given events, when a command, then events: no database, no NATS."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.assessment.domain import case_commands as case_rules
from services.assessment.domain import licence as rules
from services.assessment.domain.licence import FastTrack, validity_years
from shared.contracts import Payload
from shared.contracts.assessment import (
    LicenceIssued,
    ParliamentNotificationDue,
    ScreeningCompleted,
)
from shared.errors import Conflict, Invalid, NotFound
from shared.reference import load_reference
from shared.reference.grounds import load_refusal_grounds
from tests.assessment.given import app, given, recorded, types

NUMBER = "NL-ML-2024-000001"
DECIDED_AT = dt.datetime(2024, 6, 3, 10, tzinfo=dt.UTC)
POLICY = FastTrack(threshold_eur=Decimal("2000000"), days=14)
BIG = [{"description": "air defence system", "rating": "ML4", "quantity": 1,
        "value_eur": "2500000.00", "complete_system": True, "annex": None}]


def approved(**changes: object) -> tuple[list[Payload], list[Payload]]:
    """A case approved on 3 June 2024, and what its approval issues."""
    ref = load_reference()
    events = [*case_rules.open_case(given().case, app(**changes), ref, None),
              ScreeningCompleted(embargoes=[], denial_matches=[], general_licence_hints=[],
                                 registry_version="7")]
    case = given(events).case
    [decided] = case_rules.decide(case, roles=("mfa",), outcome="approve", criteria=[],
                                  note=None, decided_at=DECIDED_AT, now=DECIDED_AT,
                                  consultations=[], catalogue=load_refusal_grounds())
    assert rules.issues_licence(case, decided)
    issued = rules.issue(case, decided, number=NUMBER, years=2, ref=ref, fast_track=POLICY)
    return [*events, decided], issued


def test_an_approval_issues_a_licence_valid_two_calendar_years() -> None:
    history, issued = approved()
    assert types(issued) == ["LicenceIssued"]
    licence = given(history, issued).licence
    assert licence.status == "active" and licence.issued is not None
    assert (licence.issued.valid_from, licence.issued.valid_until) == (
        dt.date(2024, 6, 3), dt.date(2026, 6, 2))
    assert given(history, issued).case.licence_number == NUMBER


def test_a_sondage_issues_no_licence() -> None:
    ref = load_reference()
    events = [*case_rules.open_case(given().case, app(procedure="sondage"), ref, None),
              ScreeningCompleted(embargoes=[], denial_matches=[], general_licence_hints=[],
                                 registry_version="7")]
    case = given(events).case
    [decided] = case_rules.decide(case, roles=("mfa",), outcome="approve", criteria=[],
                                  note=None, decided_at=DECIDED_AT, now=DECIDED_AT,
                                  consultations=[], catalogue=load_refusal_grounds())
    assert not rules.issues_licence(case, decided)


def test_a_big_complete_system_outside_nato_plus_is_due_for_parliament_in_fourteen_days() -> None:
    history, issued = approved(goods=BIG)
    assert types(issued) == ["LicenceIssued", "ParliamentNotificationDue"]
    due = issued[1]
    assert isinstance(due, ParliamentNotificationDue)
    assert (due.destination, due.due_by, due.value_eur) == (
        "SA", dt.date(2024, 6, 17), Decimal("2500000.00"))


def test_suspension_reinstatement_and_revocation_follow_the_licence_status() -> None:
    history, issued = approved()
    steps: list[Payload] = []
    with pytest.raises(Conflict, match="active licence cannot be active"):
        rules.change(given(history, issued).licence, NUMBER, action="reinstate", reason="x")
    for action, status in (("suspend", "suspended"), ("reinstate", "active"),
                           ("revoke", "revoked")):
        licence = given(history, issued, recorded(steps, by="mfa-1")).licence
        steps += rules.change(licence, NUMBER, action=action, reason=action)
        assert given(history, issued, recorded(steps, by="mfa-1")).licence.status == status
    licence = given(history, issued, recorded(steps, by="mfa-1")).licence
    assert [(c.action, c.by) for c in licence.history] == [
        ("suspend", "mfa-1"), ("reinstate", "mfa-1"), ("revoke", "mfa-1")]
    with pytest.raises(Conflict):
        rules.change(licence, NUMBER, action="revoke", reason="again")
    with pytest.raises(NotFound):
        rules.change(given(history).licence, NUMBER, action="suspend", reason="no licence")


def test_parliament_is_told_once_not_before_the_decision_nor_in_the_future() -> None:
    history, issued = approved(goods=BIG)
    licence = given(history, issued).licence
    with pytest.raises(Invalid, match="before the decision"):
        rules.mark_sent(licence, NUMBER, sent_on=dt.date(2024, 6, 2))
    with pytest.raises(Invalid, match="future"):
        rules.check_sent_on(dt.date(2024, 6, 11), today=dt.date(2024, 6, 10))
    sent = rules.mark_sent(licence, NUMBER, sent_on=dt.date(2024, 6, 10))
    after = given(history, issued, sent).licence
    assert after.notification is not None and after.notification.sent_on == dt.date(2024, 6, 10)
    with pytest.raises(Conflict, match="was sent on 2024-06-10"):
        rules.mark_sent(after, NUMBER, sent_on=dt.date(2024, 6, 11))
    with pytest.raises(NotFound):
        rules.mark_sent(given(*approved()).licence, NUMBER, sent_on=dt.date(2024, 6, 10))


@pytest.mark.parametrize(("regime", "licence_type", "years"), [
    ("military", "individual", 2), ("military", "global", 3), ("dual_use", "global", 5),
    ("anti_torture", "other", 2)])
def test_validity_years_take_the_most_specific_setting(regime: str, licence_type: str,
                                                       years: int) -> None:
    table = {"individual": 2, "global": 3, "dual_use.global": 5}
    assert validity_years(table, regime, licence_type) == years


def test_a_licence_event_leaves_the_case_decided() -> None:
    history, issued = approved()
    assert isinstance(issued[0], LicenceIssued)
    suspended = rules.change(given(history, issued).licence, NUMBER, action="suspend",
                             reason="audit")
    assert given(history, issued, suspended).case == given(history, issued).case
