"""Validity and screening rules, given candidates, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from services.denials.domain.consultation import shown_status
from services.denials.domain.screening import Candidate, Screening, screen
from services.denials.domain.validity import denial_status, expires_on, is_active
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


def test_a_denial_is_pending_active_expired_or_revoked_on_a_day() -> None:
    def on(day: dt.date, revoked_on: dt.date | None = None) -> str:
        return denial_status(denied_on=dt.date(2024, 3, 1), expires=dt.date(2027, 3, 1),
                             revoked_on=revoked_on, on=day)

    assert on(dt.date(2024, 2, 29)) == "pending"
    assert on(dt.date(2024, 3, 1)) == "active"
    assert on(dt.date(2027, 3, 1)) == "expired"
    assert on(dt.date(2024, 12, 31), revoked_on=dt.date(2025, 1, 1)) == "active"
    assert on(dt.date(2025, 1, 1), revoked_on=dt.date(2025, 1, 1)) == "revoked"


def test_overdue_is_an_open_consultation_past_its_date() -> None:
    due = dt.date(2024, 6, 21)
    assert shown_status("open", due, dt.date(2024, 6, 22)) == "overdue"
    assert shown_status("open", due, due) == "open"
    assert shown_status("answered", due, dt.date(2024, 7, 1)) == "answered"


def test_every_name_of_a_party_is_compared_and_the_reason_says_which() -> None:
    norinco = denial(end_user=prepare("China North Industries Group Corporation"),
                     end_user_aliases=(prepare("中国北方工业集团有限公司"),))
    [match] = screen(query(end_user=prepare("中国北方工业集团有限公司")), [norinco])
    assert match.reasons[1] == ("end user '中国北方工业集团有限公司' = '中国北方工业集团有限公司' "
                                "(alias of 'China North Industries Group Corporation') "
                                "(1.00: same words)")
    assert screen(query(end_user=prepare("中国北方工业集团有限公司")), [denial()]) == []


def test_the_aliases_asked_about_are_compared_too() -> None:
    asked = query(end_user=prepare("Someone Else"),
                  end_user_aliases=(prepare("Troya Tech Defence"),))
    [match] = screen(asked, [denial()])
    assert match.reasons[1].startswith("end user 'Troya Tech Defence' (alias of 'Someone Else') = "
                                       "'TROYA TECH DEFENCE LIMITED'")


def test_a_consignee_alias_matching_the_denied_end_user_counts() -> None:
    asked = query(end_user=prepare("Someone Else"), consignee=prepare("Levant Logistics"),
                  consignee_aliases=(prepare("Troya Tech Defence"),))
    [match] = screen(asked, [denial()])
    assert match.reasons[1].startswith("consignee = denied end user: 'Troya Tech Defence' "
                                       "(alias of 'Levant Logistics')")
