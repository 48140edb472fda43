"""A case's life as given events, when a command, then events: no database, no NATS."""

from __future__ import annotations

import datetime as dt

import pytest

from services.assessment.domain import case_commands as rules
from services.assessment.domain.case_commands import Consultation
from shared.contracts.assessment import (
    CaseDecided,
    CaseOpened,
    DenialMatch,
    FindingRecorded,
    MatchDismissed,
    ScreeningCompleted,
    ScreeningFailed,
    ScreeningPending,
)
from shared.errors import Conflict, Forbidden, Invalid
from shared.reference import load_reference
from shared.reference.grounds import load_refusal_grounds
from tests.assessment.given import T0, app, given, recorded, types

MFA = ("mfa",)
ASSESSOR = ("assessor",)
NOW = dt.datetime(2024, 6, 3, 10, tzinfo=dt.UTC)
MATCH = DenialMatch(denial_id="d1", state="DE", score=0.97, reasons=["same end user"])


def opened() -> list[object]:
    """An MFA case (military export to Saudi Arabia) as opened."""
    return list(rules.open_case(given().case, app(), load_reference(), None))


def completed(*matches: DenialMatch) -> ScreeningCompleted:
    """The registry's answer, with these matches."""
    return ScreeningCompleted(embargoes=[], denial_matches=list(matches),
                              general_licence_hints=[], registry_version="7")


def decide(case: object, outcome: str = "approve", **changes: object) -> list[CaseDecided]:
    """The decision of the MFA on a case, now."""
    command = {"roles": MFA, "outcome": outcome, "criteria": [], "note": None,
               "decided_at": NOW, "now": NOW, "consultations": [],
               "catalogue": load_refusal_grounds(), **changes}
    return rules.decide(case, **command)  # type: ignore[arg-type]


def test_a_submitted_application_opens_a_routed_case_pending_screening_once() -> None:
    events = opened()
    assert types(events) == ["CaseOpened", "CaseRouted", "ScreeningPending"]
    case = given(events).case
    assert (case.status, case.queue, case.screening.status) == ("open", "mfa", "pending")
    assert case.application.reference == events[0].reference  # type: ignore[attr-defined]
    assert rules.open_case(case, app(), load_reference(), None) == []


def test_screening_completes_or_fails_only_while_pending() -> None:
    case = given(opened()).case
    [done] = rules.complete_screening(case, denial_matches=[MATCH], registry_version="7",
                                      reference_version="r")
    after = given(opened(), [done]).case
    assert after.screening.status == "completed"
    assert after.screening.denial_matches == (MATCH,)
    assert rules.complete_screening(after, denial_matches=[], registry_version="8",
                                    reference_version="r") == []
    assert rules.fail_screening(after, status=422, problem={}, reason="r",
                                reference_version="r") == []


def test_a_failed_screening_is_rerun_by_an_assessor_and_keeps_the_failure() -> None:
    failed = [ScreeningFailed(reason="refused with 422", status=422, problem={"status": 422})]
    case = given(opened(), failed).case
    assert case.screening.failure is not None and case.screening.failure.status == 422
    [rerun] = rules.retry_screening(case, by="assessor-1", reference_version="r")
    assert isinstance(rerun, ScreeningPending) and rerun.retry
    assert "refused with 422" in rerun.reason
    after = given(opened(), failed, recorded([rerun], by="assessor-1")).case
    assert after.screening.status == "pending" and after.screening.failure is None
    [earlier] = after.screening.earlier_failures
    assert (earlier.failure.reason, earlier.retried_by) == ("refused with 422", "assessor-1")
    assert rules.retry_screening(after, by="x", reference_version="r") == []
    done = given(opened(), [completed()]).case
    with pytest.raises(Conflict) as refused:
        rules.retry_screening(done, by="x", reference_version="r")
    assert refused.value.kind == "screening-completed"


def test_findings_are_recorded_by_the_queue_role_one_per_criterion() -> None:
    case = given(opened(), [completed()]).case
    with pytest.raises(Forbidden, match="'mfa'"):
        rules.record_finding(case, roles=ASSESSOR, criterion=2, finding="pass", note=None)
    first = rules.record_finding(case, roles=MFA, criterion=2, finding="concern", note="a")
    second = [FindingRecorded(criterion=2, finding="pass", note="b"),
              FindingRecorded(criterion=1, finding="pass", note=None)]
    after = given(opened(), [completed()], recorded(first, by="mfa-1"),
                  recorded(second, by="mfa-2")).case
    assert [(f.criterion, f.finding, f.by) for f in after.findings] == [
        (1, "pass", "mfa-2"), (2, "pass", "mfa-2")]


def test_a_match_blocks_approval_until_dismissed_or_its_consultation_closed() -> None:
    case = given(opened(), [completed(MATCH)]).case
    with pytest.raises(Conflict) as refused:
        decide(case)
    assert refused.value.kind == "approval-blocked"
    assert refused.value.extra["denial_ids"] == ["d1"]
    consulting = [Consultation(id="c1", denial_id="d1", status="open")]
    with pytest.raises(Conflict) as refused:
        decide(case, consultations=consulting)
    assert refused.value.extra["consultation_ids"] == ["c1"]
    closed = [Consultation(id="c1", denial_id="d1", status="closed")]
    assert types(decide(case, consultations=closed)) == ["CaseDecided"]
    [dismissed] = rules.dismiss_match(case, roles=MFA, denial_id="d1", reason="other unit")
    assert dismissed == MatchDismissed(denial_id="d1", reason="other unit",
                                       application_id=case.id,
                                       application_ref=case.reference, state="DE")
    after = given(opened(), [completed(MATCH)], recorded([dismissed], by="mfa-1")).case
    assert after.ruled_on("d1") and after.dismissals[0].via is None
    assert decide(after)[0].outcome == "approved"
    with pytest.raises(Conflict):
        rules.dismiss_match(after, roles=MFA, denial_id="d1", reason="again")
    with pytest.raises(Invalid):
        rules.dismiss_match(after, roles=MFA, denial_id="d9", reason="not matched")


def test_a_dismissal_ruled_in_the_registry_is_recorded_once_on_an_open_case() -> None:
    case = given(opened(), [completed(MATCH)]).case
    [ruling] = rules.follow_registry_dismissal(case, denial_id="d1", reason="r", state=None)
    assert ruling.state == "DE"  # the match's state when the registry names none
    after = given(opened(), [completed(MATCH)],
                  recorded([ruling], by="mfa-official", caused_by="registry-event")).case
    assert after.dismissals[0].via == "denials" and after.dismissals[0].by == "mfa-official"
    assert rules.follow_registry_dismissal(after, denial_id="d1", reason="r", state="DE") == []
    assert rules.registry_dismissal_ignored(after, "d1") is not None


def test_a_decision_is_taken_once_on_a_screening_that_ran_at_a_plausible_time() -> None:
    pending = given(opened()).case
    with pytest.raises(Conflict) as refused:
        decide(pending, "deny", criteria=[2])
    assert refused.value.kind == "screening-pending"
    case = given(opened(), [completed()]).case
    with pytest.raises(Forbidden):
        decide(case, roles=ASSESSOR)
    with pytest.raises(Invalid, match="criteria"):
        decide(case, "deny")
    with pytest.raises(Invalid, match="future"):
        decide(case, decided_at=NOW + dt.timedelta(minutes=1))
    with pytest.raises(Invalid, match="received"):
        decide(case, decided_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC))
    [decided] = decide(case, "deny", criteria=[7, 2, 7], note="risk")
    assert (decided.outcome, decided.criteria, decided.decided_on) == (
        "denied", [2, 7], dt.date(2024, 6, 3))
    assert decided.value_eur == case.application.value_eur
    after = given(opened(), [completed()], recorded([decided], by="mfa-1")).case
    assert after.status == "decided" and after.decision is not None
    assert after.decision.by == "mfa-1"
    with pytest.raises(Conflict) as refused:
        decide(after, "deny", criteria=[1])
    assert refused.value.kind == "case-closed"


def test_a_withdrawn_application_closes_its_open_case_only() -> None:
    case = given(opened(), [completed()]).case
    [closed] = rules.withdraw(case, reason="contract cancelled")
    after = given(opened(), [completed()], recorded([closed], at=T0)).case
    assert after.status == "withdrawn" and after.withdrawal is not None
    assert after.withdrawal.reason == "contract cancelled"
    assert rules.withdraw(after, reason="again") == []
    assert rules.withdraw(given().case, reason="unknown case") == []
    with pytest.raises(Conflict) as refused:
        rules.record_finding(after, roles=MFA, criterion=1, finding="pass", note=None)
    assert refused.value.kind == "case-closed"


def test_a_case_opened_without_its_application_says_so() -> None:
    legacy = CaseOpened(application_id="a1", reference="R", regime="military",
                        procedure="licence")
    with pytest.raises(Conflict) as refused:
        _ = given([legacy]).case.application
    assert refused.value.kind == "case-without-application"
