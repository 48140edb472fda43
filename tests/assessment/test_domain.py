"""Pure rules: screening, approval blockers, licence numbers and validity, fast-track."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from licensing.cases_cli import table
from services.assessment.domain import case_commands as rules
from services.assessment.domain.case_commands import Consultation, approval_blockers
from services.assessment.domain.licence import (
    FastTrack,
    licence_number,
    licence_prefix,
    notification_due,
    validity,
)
from services.assessment.domain.screening import screen_locally
from shared.clock import business_date
from shared.contracts.assessment import DenialMatch, ScreeningCompleted, ScreeningFailed
from shared.errors import Conflict
from shared.reference import load_reference
from tests.assessment.given import app, given

NOW = dt.datetime(2024, 6, 3, 10, tzinfo=dt.UTC)


def opened(**changes: object) -> list[object]:
    """The events of a case opened on `app(**changes)`."""
    return list(rules.open_case(given().case, app(**changes), load_reference(), None))


def test_annex_ii_goods_are_prohibited_unless_for_a_museum() -> None:
    ref = load_reference()
    goods = [{"description": "leg irons", "rating": "II.1.1", "annex": "II", "quantity": 1,
              "value_eur": "10.00"}]
    plain = screen_locally(app(regime="anti_torture", goods=goods, destinations=["NO"]), ref)
    museum = screen_locally(app(regime="anti_torture", goods=goods, destinations=["NO"],
                                end_use="display in a museum"), ref)
    assert not plain.prohibited[0].museum_exception
    assert museum.prohibited[0].museum_exception
    case = given(rules.open_case(given().case, app(regime="anti_torture", goods=goods,
                                                   destinations=["NO"]), ref, None),
                 [ScreeningCompleted(embargoes=[], denial_matches=[], general_licence_hints=[],
                                     registry_version="1", prohibited=plain.prohibited)]).case
    with pytest.raises(Conflict) as refused:
        rules.check_approvable(case, [])
    assert refused.value.kind == "approval-blocked"


def test_partial_embargo_flags_without_proposing_a_finding() -> None:
    local = screen_locally(app(destinations=["IQ"]), load_reference())
    assert local.embargoes[0].action == "flag" and local.proposed_findings == []


def test_a_consultation_only_unblocks_once_closed() -> None:
    matches = [DenialMatch(denial_id="d1", state="DE", score=0.9, reasons=[])]
    opened = [Consultation(id="c1", denial_id="d1", status="open")]
    closed = [Consultation(id="c1", denial_id="d1", status="closed")]
    assert approval_blockers(matches, [], [])[0].consultation_status == "not_opened"
    assert approval_blockers(matches, [], opened)[0].consultations == ("c1",)
    assert approval_blockers(matches, [], closed) == []
    assert approval_blockers(matches, ["d1"], opened) == []


@pytest.mark.parametrize(("decided", "years", "until"), [
    ("2024-06-03", 2, "2026-06-02"), ("2024-02-29", 3, "2027-02-27"),
    ("2024-01-01", 2, "2025-12-31")])
def test_validity_runs_to_the_day_before_the_anniversary(decided: str, years: int,
                                                         until: str) -> None:
    start, end = validity(dt.date.fromisoformat(decided), years)
    assert (start.isoformat(), end.isoformat()) == (decided, until)


def test_licence_number_and_business_year() -> None:
    late = dt.datetime(2024, 12, 31, 23, 30, tzinfo=dt.UTC)  # 2025 in Amsterdam
    year = business_date(late).year
    assert licence_number(licence_prefix("dual_use", year), 123) == "NL-DU-2025-000123"


@pytest.mark.parametrize(("changes", "due"), [
    ({}, True),
    ({"destinations": ["NO"]}, False),
    ({"value_eur": "2000000.00"}, False),
    ({"purpose": "temporary"}, False),
    ({"procedure": "sondage"}, False),
    ({"complete": False}, False)])
def test_fast_track_applies_to_new_complete_systems_above_the_threshold_outside_nato_plus(
        changes: dict[str, object], due: bool) -> None:
    complete = bool(changes.pop("complete", True))
    applied = app(goods=[{"description": "frigate", "rating": "ML9a", "quantity": 1,
                          "value_eur": "2000000.01", "complete_system": complete}], **changes)
    result = notification_due(applied, load_reference(), number="NL-ML-2024-000001",
                              decided_on=dt.date(2024, 6, 3),
                              policy=FastTrack(threshold_eur=Decimal("2000000"), days=14))
    assert (result is not None) == due
    if result:
        assert result.due_by == dt.date(2024, 6, 17)


def test_cli_table_lines_up_columns() -> None:
    text = table([{"id": "a", "queue": "mfa"}, {"id": "bbb", "queue": None}], ("id", "queue"))
    assert text.splitlines() == ["ID   QUEUE", "---  -----", "a    mfa", "bbb  -"]


def test_a_failed_screening_allows_a_denial_but_never_an_approval() -> None:
    failed = given(opened(), [ScreeningFailed(reason="denials refused: 422", status=422,
                                              problem={})]).case
    rules.check_decidable(failed, outcome="deny", decided_at=NOW, now=NOW)
    with pytest.raises(Conflict) as caught:
        rules.check_decidable(failed, outcome="approve", decided_at=NOW, now=NOW)
    assert caught.value.kind == "screening-failed"
    assert "denials refused: 422" in caught.value.detail
    assert f"/v1/cases/{failed.id}/screening/retry" in caught.value.detail
    pending = given(opened()).case
    for outcome in ("approve", "deny"):
        with pytest.raises(Conflict) as caught:
            rules.check_decidable(pending, outcome=outcome, decided_at=NOW, now=NOW)
        assert caught.value.kind == "screening-pending"
