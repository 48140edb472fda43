"""Validity and screening rules, given candidates, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from services.denials.domain import (
    Candidate,
    NotAllowed,
    NotFound,
    Screening,
    check_outcome,
    check_reply,
    consultation_status,
    expires_on,
    is_active,
    screen,
)
from services.denials.matching import prepare

TODAY = dt.date(2024, 6, 1)


def denial(**changes: object) -> Candidate:
    base: dict[str, object] = dict(
        id="d1", state="DE", destination="IL", ratings=("ML15",),
        end_user=prepare("TROYA TECH DEFENCE LIMITED"), consignee=None,
        denied_on=dt.date(2023, 1, 10), expires=dt.date(2026, 1, 10), revoked_on=None)
    base.update(changes)
    return Candidate(**base)  # type: ignore[arg-type]


def query(**changes: object) -> Screening:
    base: dict[str, object] = dict(destination="IL", end_user=prepare("Troya Tech Defense Ltd."),
                                   consignee=None, rating="ML15", on=TODAY, state="NL")
    base.update(changes)
    return Screening(**base)  # type: ignore[arg-type]


def test_an_essentially_identical_transaction_matches_with_reasons_in_words() -> None:
    [match] = screen(query(), [denial()])
    assert match.denial_id == "d1" and match.state == "DE"
    assert match.reasons == (
        "same destination IL",
        "end user 'Troya Tech Defense Ltd.' = 'TROYA TECH DEFENCE LIMITED' (1.00: 'defense' read"
        " as 'defence'; legal forms 'ltd', 'limited' set aside; same words)",
        "rating ML15 = ML15",
    )
    assert match.score == 1.0


def test_a_related_rating_matches_with_a_lower_score() -> None:
    [match] = screen(query(rating="ML15b"), [denial()])
    assert match.score < 1.0
    assert "same category ML15" in match.reasons[2]


def test_a_consignee_matching_the_denied_end_user_counts() -> None:
    [match] = screen(query(end_user=prepare("Someone Else"),
                           consignee=prepare("Troya Tech Defence")), [denial()])
    assert match.reasons[1].startswith("consignee = denied end user:")


@pytest.mark.parametrize(("label", "q", "d"), [
    ("another destination", {"destination": "JO"}, {}),
    ("expired", {}, {"denied_on": dt.date(2020, 1, 1), "expires": dt.date(2023, 1, 1)}),
    ("revoked", {}, {"revoked_on": dt.date(2024, 5, 1)}),
    ("the caller's own denial", {"state": "DE"}, {}),
    ("an unrelated rating", {"rating": "ML4"}, {}),
    ("another end user", {"end_user": prepare("Troya Marine Systems")}, {}),
    ("dismissed for this case", {"dismissed": frozenset({"d1"})}, {}),
    ("not yet denied on that date", {"on": dt.date(2022, 12, 1)}, {}),
])
def test_no_match_for(label: str, q: dict[str, object], d: dict[str, object]) -> None:
    assert screen(query(**q), [denial(**d)]) == [], label


def test_matches_come_best_first() -> None:
    close = denial(id="d2", end_user=prepare("Troya Tech Defence"), ratings=("ML15a",))
    found = screen(query(), [close, denial()])
    assert [m.denial_id for m in found] == ["d1", "d2"]


def test_a_denial_is_active_up_to_the_day_before_its_third_anniversary() -> None:
    end = expires_on(dt.date(2021, 3, 15), 3)
    assert end == dt.date(2024, 3, 15)
    kw = dict(denied_on=dt.date(2021, 3, 15), expires=end, revoked_on=None)
    assert is_active(on=dt.date(2024, 3, 14), **kw)  # type: ignore[arg-type]
    assert not is_active(on=dt.date(2024, 3, 15), **kw)  # type: ignore[arg-type]
    assert expires_on(dt.date(2024, 2, 29), 3) == dt.date(2027, 3, 1)


def test_overdue_is_an_open_consultation_past_its_date() -> None:
    due = dt.date(2024, 6, 21)
    assert consultation_status("open", due, dt.date(2024, 6, 22)) == "overdue"
    assert consultation_status("open", due, due) == "open"
    assert consultation_status("answered", due, dt.date(2024, 7, 1)) == "answered"


def test_only_the_parties_act_on_a_consultation_each_in_its_part() -> None:
    c = {"id": "c1", "consulting_state": "NL", "denying_state": "DE", "status": "open"}
    check_reply(c, "DE")
    check_outcome(c, "NL")
    with pytest.raises(NotAllowed):
        check_reply(c, "NL")
    with pytest.raises(NotAllowed):
        check_outcome(c, "DE")
    with pytest.raises(NotFound):
        check_reply(c, "FR")
    with pytest.raises(NotFound):
        check_outcome(c, "FR")
