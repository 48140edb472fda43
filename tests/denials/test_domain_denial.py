"""The denial aggregate as given events, when a command, then events (or a refusal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from services.denials.domain.denial import (
    Denial,
    DismissMatch,
    NotifyDenial,
    RenewDenial,
    RevokeDenial,
    changes_registry,
    dismiss,
    evolver,
    expire,
    notify,
    regime_rating,
    register,
    renew,
    revoke,
)
from services.denials.domain.validity import Policy
from shared.contracts.base import Payload
from shared.contracts.denials import (
    DenialExpired,
    DenialRegistered,
    DenialRenewed,
    DenialRevoked,
    MatchDismissed,
)
from shared.contracts.types import EndUser
from shared.errors import Conflict, Forbidden, Invalid, NotFound

POLICY = Policy(validity_years=3, consultation_days=21)
TODAY = dt.date(2024, 6, 1)
AT = dt.datetime(2024, 6, 1, 10, tzinfo=dt.UTC)
COUNTRIES = {"IL", "CY", "DE", "JO"}
REGISTERED = DenialRegistered(
    id="d1", state="DE", reference="DE-1", denied_on=dt.date(2024, 3, 1), regime="military",
    destination="IL", consignee=None, end_user=EndUser(name="Troya Tech", country="IL"),
    goods_description="thermal cameras", rating="ML15", quantity=40, criteria=[2, 7],
    expires_on=dt.date(2027, 3, 1))


def given(*events: Payload) -> Denial | None:
    """The denial after these events."""
    evolve = evolver(POLICY.validity_years)
    state: Denial | None = None
    for event in events:
        state = evolve(state, event)
    return state


def notification(**changes: Any) -> NotifyDenial:
    """A German partner's notification of a military denial."""
    base = NotifyDenial(
        id="d1", state="DE", reference="DE-1", denied_on=dt.date(2024, 3, 1), regime="military",
        destination="IL", consignee=None, end_user=EndUser(name="Troya Tech", country="IL"),
        goods_description="thermal cameras", rating="ml 15", quantity=40, criteria=(7, 2, 7))
    return replace(base, **changes)


def when_notified(cmd: NotifyDenial, *, taken_by: str | None = None) -> Sequence[Payload]:
    return notify(None, cmd, policy=POLICY, today=TODAY, is_country=COUNTRIES.__contains__,
                  taken_by=taken_by)


def test_a_notification_registers_the_denial_with_its_expiry() -> None:
    [event] = when_notified(notification())
    assert event == REGISTERED


@pytest.mark.parametrize(("change", "words"), [
    ({"destination": "XX"}, "destination: XX is not an ISO 3166-1 country"),
    ({"end_user": EndUser(name="T", country="ZZ")}, "end_user.country: ZZ"),
    ({"criteria": ()}, "criteria: a military denial names the criteria it rests on"),
    ({"rating": "5A002"}, "rating: '5A002' is not a military rating"),
    ({"regime": "dual_use", "rating": "ML15"}, "is not a dual_use rating"),
    ({"regime": "anti_torture", "rating": "II.", "criteria": (),
      "grounds": ("annex-ii-prohibited",)}, "is not a anti_torture rating"),
    ({"denied_on": dt.date(2024, 6, 2)}, "denied_on 2024-06-02 lies in the future"),
])
def test_a_notification_against_the_rules_is_refused_naming_the_field(
        change: dict[str, Any], words: str) -> None:
    with pytest.raises(Invalid, match=words):
        when_notified(notification(**change))


def test_a_dual_use_denial_rests_on_criteria_or_its_grounds_and_spells_its_rating_once() -> None:
    [event] = when_notified(notification(regime="dual_use", rating="5a002.A", criteria=(),
                                         grounds=("art4-wmd",)))
    assert isinstance(event, DenialRegistered) and event.rating == "5A002.a"
    assert event.grounds == ["art4-wmd"] and event.criteria == []
    [both] = when_notified(notification(regime="dual_use", rating="5A002",
                                        grounds=("art15-end-use-diversion", "art4-wmd")))
    assert isinstance(both, DenialRegistered) and both.criteria == [2, 7]
    assert regime_rating("anti_torture", "iii.2.1") == "III.2.1"
    assert regime_rating("military", None) is None


def test_an_anti_torture_refusal_rests_on_its_annex_ground() -> None:
    [event] = when_notified(notification(regime="anti_torture", rating="III.2", criteria=(),
                                         grounds=("annex-iii-torture",)))
    assert isinstance(event, DenialRegistered) and event.grounds == ["annex-iii-torture"]


@pytest.mark.parametrize(("change", "words"), [
    ({"grounds": ("art4-wmd",)}, "grounds: a military denial rests on the criteria"),
    ({"regime": "dual_use", "rating": None, "criteria": ()},
     "a dual-use denial names the criteria or the grounds"),
    ({"regime": "dual_use", "rating": None, "grounds": ("annex-iii-torture",)},
     "annex-iii-torture is no ground of a dual_use denial"),
    ({"regime": "anti_torture", "rating": None, "criteria": ()},
     "an anti-torture denial names the annex grounds"),
    ({"regime": "anti_torture", "rating": None, "grounds": ("annex-iii-torture",)},
     "criteria: an anti-torture denial rests on the grounds of Regulation"),
    ({"regime": "anti_torture", "rating": None, "criteria": (), "grounds": ("art4-wmd",)},
     "art4-wmd is no ground of a anti_torture denial"),
])
def test_grounds_of_another_regime_are_refused(change: dict[str, Any], words: str) -> None:
    with pytest.raises(Invalid, match=words) as refused:
        when_notified(notification(**change))
    assert refused.value.errors


def test_other_names_are_kept_once_without_the_name_itself() -> None:
    [event] = when_notified(notification(
        end_user=EndUser(name="Rosoboronexport", country="IL"),
        end_user_aliases=("Рособоронэкспорт", "ROSOBORONEXPORT", "Рособоронэкспорт", "")))
    assert isinstance(event, DenialRegistered)
    assert event.end_user_aliases == ["Рособоронэкспорт"] and event.consignee_aliases == []


def test_a_token_without_a_state_notifies_nothing() -> None:
    with pytest.raises(Forbidden, match="names no state"):
        when_notified(notification(state=None))


def test_a_reference_is_registered_once_per_state_and_destination() -> None:
    with pytest.raises(Conflict, match="already registered reference 'DE-1' for IL") as refused:
        when_notified(notification(id="d2"), taken_by="d1")
    assert refused.value.extra == {"denial_id": "d1"}


def test_a_decision_seen_again_registers_nothing() -> None:
    assert register(given(REGISTERED), REGISTERED, taken_by="d1") == []


def test_only_the_notifying_state_revokes_once() -> None:
    denial = given(REGISTERED)
    with pytest.raises(Forbidden, match="only the notifying state DE may revoke"):
        revoke(denial, RevokeDenial("d1", "FR", None), today=TODAY)
    assert revoke(denial, RevokeDenial("d1", "DE", "appeal"), today=TODAY) == [
        DenialRevoked(denial_id="d1", reason="appeal", revoked_on=TODAY)]
    revoked = given(REGISTERED, DenialRevoked(denial_id="d1", reason=None, revoked_on=TODAY))
    with pytest.raises(Conflict, match="already revoked on 2024-06-01"):
        revoke(revoked, RevokeDenial("d1", "DE", None), today=TODAY)
    with pytest.raises(NotFound, match="no denial d9"):
        revoke(None, RevokeDenial("d9", "DE", None), today=TODAY)


def test_a_renewal_restarts_validity_from_a_later_day_that_has_come() -> None:
    denial = given(REGISTERED)
    later = dt.date(2024, 5, 1)
    assert renew(denial, RenewDenial("d1", "DE", later), policy=POLICY, today=TODAY) == [
        DenialRenewed(denial_id="d1", denied_on=later, expires_on=dt.date(2027, 5, 1),
                      renewed_on=TODAY)]
    with pytest.raises(Invalid, match="from 2024-03-01 or later"):
        renew(denial, RenewDenial("d1", "DE", dt.date(2024, 1, 1)), policy=POLICY, today=TODAY)
    with pytest.raises(Invalid, match="lies in the future"):
        renew(denial, RenewDenial("d1", "DE", dt.date(2024, 7, 1)), policy=POLICY, today=TODAY)
    with pytest.raises(Forbidden, match="may renew"):
        renew(denial, RenewDenial("d1", "NL", later), policy=POLICY, today=TODAY)
    revoked = given(REGISTERED, DenialRevoked(denial_id="d1", reason=None, revoked_on=TODAY))
    with pytest.raises(Conflict, match="register a new denial instead"):
        renew(revoked, RenewDenial("d1", "DE", later), policy=POLICY, today=TODAY)


def test_an_expiry_is_recorded_once_when_validity_ended_and_again_after_a_renewal() -> None:
    ended = dt.date(2027, 3, 1)
    assert expire(given(REGISTERED), on=ended - dt.timedelta(days=1)) == []
    assert expire(given(REGISTERED), on=ended) == [DenialExpired(denial_id="d1", expired_on=ended)]
    expired = DenialExpired(denial_id="d1", expired_on=ended)
    assert expire(given(REGISTERED, expired), on=ended) == []
    renewed = DenialRenewed(denial_id="d1", denied_on=ended, expires_on=dt.date(2030, 3, 1),
                            renewed_on=ended)
    assert given(REGISTERED, expired, renewed).expiry_recorded is False  # type: ignore[union-attr]
    revoked = DenialRevoked(denial_id="d1", reason=None, revoked_on=TODAY)
    assert expire(given(REGISTERED, revoked), on=ended) == []
    assert expire(None, on=ended) == []


def test_a_match_is_dismissed_once_per_case() -> None:
    cmd = DismissMatch(denial_id="d1", application_ref="NL-1", reason="another end user",
                       dismissed_at=AT, application_id="a1")
    [event] = dismiss(given(REGISTERED), cmd)
    assert event == MatchDismissed(denial_id="d1", application_ref="NL-1",
                                   reason="another end user", state="DE", dismissed_at=AT,
                                   application_id="a1")
    assert dismiss(given(REGISTERED, event), replace(cmd, reason="again")) == []
    assert dismiss(given(REGISTERED, event), replace(cmd, application_ref="NL-2")) != []
    with pytest.raises(NotFound):
        dismiss(None, cmd)


def test_the_fold_follows_the_life_of_a_denial() -> None:
    renewed = DenialRenewed(denial_id="d1", denied_on=dt.date(2024, 5, 1),
                            expires_on=dt.date(2027, 5, 1), renewed_on=TODAY)
    dismissed = MatchDismissed(denial_id="d1", application_ref="NL-1", reason="r", state="DE")
    revoked = DenialRevoked(denial_id="d1", reason=None, revoked_on=dt.date(2024, 7, 1))
    denial = given(REGISTERED, renewed, dismissed, revoked)
    assert denial == Denial(notification=REGISTERED, denied_on=dt.date(2024, 5, 1),
                            expires_on=dt.date(2027, 5, 1), renewed_on=TODAY,
                            revoked_on=dt.date(2024, 7, 1), dismissed=frozenset({"NL-1"}))
    assert changes_registry([REGISTERED, renewed, dismissed, revoked]) == 3


def test_events_stored_before_they_named_the_expiry_take_the_policy_s() -> None:
    old = REGISTERED.model_copy(update={"denied_on": dt.date(2024, 2, 29), "expires_on": None})
    assert given(old).expires_on == dt.date(2027, 3, 1)  # type: ignore[union-attr]
    renewed = DenialRenewed(denial_id="d1", denied_on=dt.date(2024, 4, 1))
    assert given(old, renewed).expires_on == dt.date(2027, 4, 1)  # type: ignore[union-attr]
