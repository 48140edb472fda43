"""The rules as the published record applies them (issue 11), as given events / when a command
/ then events: grounds per regime, referral and advice, Ukraine's policy, national routing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from services.assessment.domain import case_commands as rules
from services.assessment.domain import licence as licence_rules
from services.assessment.domain.case import decision_time_hours
from services.assessment.domain.letters import send_letter
from services.assessment.domain.licence import FastTrack
from shared.contracts import Payload
from shared.contracts.assessment import (
    CaseDecided,
    ParliamentNotificationDue,
    ParliamentNotificationSent,
    ScreeningCompleted,
)
from shared.errors import Conflict, Forbidden, Invalid
from shared.reference import load_reference
from shared.reference.grounds import load_refusal_grounds
from shared.reference.policies import load_destination_policies
from tests.assessment.given import app, given, recorded, types

NOW = dt.datetime(2024, 6, 3, 10, tzinfo=dt.UTC)
DONE = ScreeningCompleted(embargoes=[], denial_matches=[], general_licence_hints=[],
                          registry_version="7")
POLICY = FastTrack(threshold_eur=Decimal("2000000"), days=14)
UKRAINE = {"destinations": ["UA"],
           "end_user": {"name": "Armed Forces of Ukraine", "country": "UA",
                        "type": "armed_forces"},
           "goods": [{"description": "air defence system", "rating": "ML4", "quantity": 1,
                      "value_eur": "2500000.00", "complete_system": True, "annex": None}]}


def opened(**changes: Any) -> list[Payload]:
    """The events of a case opened on `app(**changes)`, screened."""
    return [*rules.open_case(given().case, app(**changes), load_reference(), None,
                             policies=load_destination_policies()), DONE]


def deny(case: Any, *, roles: tuple[str, ...] = ("mfa",), criteria: tuple[int, ...] = (),
         grounds: tuple[str, ...] = ()) -> CaseDecided:
    """The denial of a case, now."""
    [decided] = rules.decide(case, roles=roles, outcome="deny", criteria=criteria, note=None,
                             decided_at=NOW, now=NOW, consultations=[], grounds=grounds,
                             catalogue=load_refusal_grounds())
    return decided


DUAL_USE = {"regime": "dual_use", "destinations": ["PK"],
            "end_user": {"name": "Institute X", "country": "PK", "type": "government"},
            "goods": [{"description": "frequency changers", "rating": "3A225", "quantity": 5,
                       "value_eur": "40000.00"}]}
ANTI_TORTURE = {"regime": "anti_torture", "destinations": ["BR"],
                "end_use": "riot control by police",
                "end_user": {"name": "Policia", "country": "BR", "type": "government"},
                "goods": [{"description": "tear gas", "rating": "III.2.1", "annex": "III",
                           "quantity": 50, "value_eur": "80000.00"}]}


def test_a_dual_use_denial_may_rest_on_the_wmd_catch_all_ground_alone() -> None:
    case = given(opened(**DUAL_USE)).case
    decided = deny(case, grounds=("art4-wmd",))
    assert (decided.criteria, decided.grounds) == ([], ["art4-wmd"])
    assert deny(case, criteria=(2,), grounds=("art15-security-policy",)).criteria == [2]
    with pytest.raises(Invalid, match="criteria .* or the grounds"):
        deny(case)
    with pytest.raises(Invalid, match="annex-iii-torture is no ground of the dual_use"):
        deny(case, grounds=("annex-iii-torture",))


def test_an_anti_torture_refusal_rests_on_its_annex_ground_not_on_criteria() -> None:
    case = given(opened(**ANTI_TORTURE)).case
    assert deny(case, grounds=("annex-iii-torture",)).grounds == ["annex-iii-torture"]
    with pytest.raises(Invalid, match="not on the criteria"):
        deny(case, criteria=(2,), grounds=("annex-iii-torture",))
    with pytest.raises(Invalid, match="annex grounds"):
        deny(case)


def test_a_military_denial_rests_on_the_criteria_alone() -> None:
    case = given(opened()).case
    assert deny(case, criteria=(2, 7)).criteria == [2, 7]
    with pytest.raises(Invalid, match="criteria"):
        deny(case)
    with pytest.raises(Invalid, match="military decision rests on the criteria"):
        deny(case, criteria=(2,), grounds=("art4-wmd",))


def test_national_measures_are_judged_on_the_dual_use_grounds() -> None:
    case = given(opened(regime="national", destinations=["CN"],
                        end_user={"name": "Fab", "country": "CN", "type": "company"},
                        goods=[{"description": "lithography", "rating": "3B993",
                                "quantity": 1, "value_eur": "9000000.00"}])).case
    assert case.queue == "mfa" and case.routing is not None
    assert case.routing.rule == "national.other"
    assert deny(case, grounds=("art15-security-policy",)).grounds == ["art15-security-policy"]


CDIU_CASE = {"destinations": ["DE"],
             "end_user": {"name": "Bundeswehr", "country": "DE", "type": "armed_forces"}}


def test_the_cdiu_refers_a_case_to_the_mfa_whose_advice_the_decision_cites() -> None:
    history = opened(**CDIU_CASE)
    case = given(history).case
    assert case.queue == "cdiu"
    [referred] = rules.refer(case, roles=("assessor",), reason="politically sensitive end user")
    history += recorded([referred], by="assessor-1")  # type: ignore[arg-type]
    case = given(history).case
    assert case.queue == "mfa"
    assert [(s.kind, s.queue, s.by) for s in case.queue_history] == [
        ("routing", "cdiu", "system"), ("referral", "mfa", "assessor-1")]
    with pytest.raises(Forbidden):
        deny(case, roles=("assessor",), criteria=(2,))
    with pytest.raises(Conflict) as refused:
        rules.refer(case, roles=("assessor",), reason="again")
    assert refused.value.kind == "not-in-cdiu-queue"
    [advice] = rules.record_advice(case, position="negative", criteria=[2, 7], grounds=[],
                                   note="risk of diversion", catalogue=load_refusal_grounds())
    with pytest.raises(Invalid):
        rules.record_advice(case, position="negative", criteria=[], grounds=["art4-wmd"],
                            note=None, catalogue=load_refusal_grounds())
    [advised] = recorded([advice], by="mfa-1")
    case = given(history, advised).case
    decided = deny(case, criteria=(2, 7))
    assert decided.advice is not None
    assert (decided.advice.event_id, decided.advice.position) == (advised.event_id, "negative")
    assert types([referred, advice]) == ["CaseReferred", "AdviceRecorded"]


def test_ukraine_is_accelerated_and_its_big_systems_go_to_a_letter_not_the_fast_track() -> None:
    history = opened(**UKRAINE)
    case = given(history).case
    assert case.accelerated and case.routing is not None and case.routing.policy is not None
    assert case.routing.policy.parliament == "periodic_letters"
    [decided] = rules.decide(case, roles=("mfa",), outcome="approve", criteria=[], note=None,
                             decided_at=NOW, now=NOW, consultations=[],
                             catalogue=load_refusal_grounds())
    issued = licence_rules.issue(case, decided, number="NL-ML-2024-000007", years=2,
                                 ref=load_reference(), fast_track=POLICY,
                                 policies=load_destination_policies())
    due = issued[1]
    assert isinstance(due, ParliamentNotificationDue)
    assert (due.kind, due.due_by, due.destination) == ("periodic_letter", None, "UA")
    licence = given(history, [decided, *issued]).licence
    letter = send_letter("letter-1", reference="Kamerbrief 2024-0001",
                         sent_on=dt.date(2024, 6, 20), destination="UA",
                         licence_numbers=["NL-ML-2024-000007"], note=None,
                         licences={"NL-ML-2024-000007": licence}, today=dt.date(2024, 7, 1))
    assert letter.sent.licence_numbers == ["NL-ML-2024-000007"]
    [sent] = letter.notices["NL-ML-2024-000007"]
    assert isinstance(sent, ParliamentNotificationSent)
    assert sent.letter_reference == "Kamerbrief 2024-0001"
    with pytest.raises(Invalid, match="no licence NL-ML-2024-000999"):
        send_letter("letter-2", reference="r", sent_on=dt.date(2024, 6, 20), destination=None,
                    licence_numbers=["NL-ML-2024-000999"], note=None, licences={},
                    today=dt.date(2024, 7, 1))


def test_the_same_system_to_saudi_arabia_is_due_on_the_fast_track() -> None:
    history = opened(goods=UKRAINE["goods"])
    case = given(history).case
    assert not case.accelerated
    [decided] = rules.decide(case, roles=("mfa",), outcome="approve", criteria=[], note=None,
                             decided_at=NOW, now=NOW, consultations=[],
                             catalogue=load_refusal_grounds())
    [_issued, due] = licence_rules.issue(case, decided, number="N", years=2,
                                         ref=load_reference(), fast_track=POLICY,
                                         policies=load_destination_policies())
    assert isinstance(due, ParliamentNotificationDue)
    assert (due.kind, due.due_by) == ("fast_track", dt.date(2024, 6, 17))


def test_the_decision_time_runs_from_receipt_to_decision() -> None:
    received = dt.datetime(2024, 6, 1, 10, tzinfo=dt.UTC)
    assert decision_time_hours(received, received + dt.timedelta(hours=30, minutes=6)) == 30.1
