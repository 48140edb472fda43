"""Pure rules: screening, approval blockers, licence numbers and validity, fast-track."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from licensing.cases_cli import table
from services.assessment import domain
from shared.reference import load_reference
from tests.assessment.conftest import application


def test_annex_ii_goods_are_prohibited_unless_for_a_museum() -> None:
    ref = load_reference()
    goods = [{"description": "leg irons", "rating": "II.1.1", "annex": "II", "quantity": 1,
              "value_eur": "10"}]
    plain = domain.screen_locally(application(regime="anti_torture", goods=goods,
                                              destinations=["NO"]), ref)
    museum = domain.screen_locally(application(regime="anti_torture", goods=goods,
                                               destinations=["NO"],
                                               end_use="display in a museum"), ref)
    assert not plain.prohibited[0]["museum_exception"]
    assert museum.prohibited[0]["museum_exception"]
    case = {"screening": {"status": "completed", "denial_matches": [],
                          "prohibited": plain.prohibited}}
    with pytest.raises(domain.ApprovalBlocked):
        domain.check_approvable(case, [])


def test_partial_embargo_flags_without_proposing_a_finding() -> None:
    local = domain.screen_locally(application(destinations=["IQ"]), load_reference())
    assert local.embargoes[0]["action"] == "flag" and local.proposed_findings == []


def test_a_consultation_only_unblocks_once_closed() -> None:
    case = {"screening": {"denial_matches": [{"denial_id": "d1", "state": "DE"}]},
            "dismissals": []}
    opened = [{"id": "c1", "denial_id": "d1", "status": "open"}]
    assert domain.approval_blockers(case, [])[0]["consultation_status"] == "not_opened"
    assert domain.approval_blockers(case, opened)[0]["consultations"] == ["c1"]
    assert domain.approval_blockers(case, [{**opened[0], "status": "closed"}]) == []
    case["dismissals"] = [{"denial_id": "d1", "reason": "other end user"}]
    assert domain.approval_blockers(case, opened) == []


@pytest.mark.parametrize(("decided", "years", "until"), [
    ("2024-06-03", 2, "2026-06-02"), ("2024-02-29", 3, "2027-02-27"),
    ("2024-01-01", 2, "2025-12-31")])
def test_validity_runs_to_the_day_before_the_anniversary(decided: str, years: int,
                                                         until: str) -> None:
    start, end = domain.validity(dt.date.fromisoformat(decided), years)
    assert (start.isoformat(), end.isoformat()) == (decided, until)


def test_licence_number_and_business_year() -> None:
    late = dt.datetime(2024, 12, 31, 23, 30, tzinfo=dt.UTC)  # 2025 in Amsterdam
    year = domain.business_date(late).year
    assert domain.licence_number(domain.licence_prefix("dual_use", year), 123) \
        == "NL-DU-2025-000123"


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
    app = application(goods=[{"description": "frigate", "rating": "ML9a", "quantity": 1,
                              "value_eur": "2000000.01", "complete_system": complete}])
    app.update(changes)
    result = domain.fast_track(app, load_reference(), decided_on=dt.date(2024, 6, 3),
                               threshold=Decimal("2000000"), days=14)
    assert (result is not None) == due
    if result:
        assert result["due_by"] == "2024-06-17"


def test_cli_table_lines_up_columns() -> None:
    text = table([{"id": "a", "queue": "mfa"}, {"id": "bbb", "queue": None}], ("id", "queue"))
    assert text.splitlines() == ["ID   QUEUE", "---  -----", "a    mfa", "bbb  -"]


def test_a_failed_screening_allows_a_denial_but_never_an_approval() -> None:
    now = dt.datetime(2024, 6, 3, 10, tzinfo=dt.UTC)
    case = {"status": "open",
            "application": {"id": "a1", "received_at": "2024-05-02T09:00:00+00:00"},
            "screening": {"status": "failed", "failure": {"reason": "denials refused: 422"}}}
    domain.check_decidable(case, outcome="deny", decided_at=now, now=now)
    with pytest.raises(domain.DomainError) as caught:
        domain.check_decidable(case, outcome="approve", decided_at=now, now=now)
    assert caught.value.kind == "screening-failed"
    assert "denials refused: 422" in caught.value.detail
    assert "/v1/cases/a1/screening/retry" in caught.value.detail
    pending = {**case, "screening": {"status": "pending"}}
    for outcome in ("approve", "deny"):
        with pytest.raises(domain.DomainError) as caught:
            domain.check_decidable(pending, outcome=outcome, decided_at=now, now=now)
        assert caught.value.kind == "screening-pending"
