"""The denial aggregate: notified or registered, renewed, revoked, expired, and the matches
assessors dismissed on it; decided and folded without I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from services.denials.domain.validity import Policy, expires_on
from services.denials.ratings import normalise_rating
from shared.contracts.base import Payload
from shared.contracts.denials import (
    DenialExpired,
    DenialRegistered,
    DenialRenewed,
    DenialRevoked,
    MatchDismissed,
)
from shared.contracts.types import Consignee, EndUser, Ground
from shared.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from shared.reference.ratings import (
    valid_anti_torture_rating,
    valid_dual_use_entry,
    valid_military_rating,
)

# The events that change what a screening sees: each one moves the registry version on by one.
REGISTRY_EVENTS = (DenialRegistered, DenialRevoked, DenialRenewed, DenialExpired)
# The regimes whose denials partner states exchange (national measures are each state's own).
PartnerRegime = Literal["military", "dual_use", "anti_torture"]
# The grounds each regime's denial may rest on beside (dual-use) or instead of (anti-torture)
# the criteria of Common Position 2008/944/CFSP: Regulation (EU) 2021/821 art. 15 and its
# catch-all arts. 4 and 5; Regulation (EU) 2019/125 Annexes II, III and IV.
DUAL_USE_GROUNDS: frozenset[Ground] = frozenset({
    "art15-sanctions", "art15-security-policy", "art15-end-use-diversion", "art4-wmd",
    "art4-military-end-use-embargo", "art5-human-rights"})
ANTI_TORTURE_GROUNDS: frozenset[Ground] = frozenset({
    "annex-ii-prohibited", "annex-iii-torture", "annex-iv-capital-punishment"})


@dataclass(frozen=True)
class Denial:
    """A registered denial as its stream tells it (before registration there is none: None)."""

    notification: DenialRegistered
    denied_on: dt.date
    expires_on: dt.date
    renewed_on: dt.date | None = None
    revoked_on: dt.date | None = None
    expiry_recorded: bool = False
    # The application references for which a match with this denial was ruled out.
    dismissed: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        """The denial's id (its stream)."""
        return self.notification.id

    @property
    def state(self) -> str:
        """The notifying state."""
        return self.notification.state


# -- commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotifyDenial:
    """A partner state notifies one of its denials; `state` is the state its token names."""

    id: str
    state: str | None
    reference: str
    denied_on: dt.date
    regime: PartnerRegime
    destination: str
    consignee: Consignee | None
    end_user: EndUser
    goods_description: str
    rating: str | None
    quantity: int | None
    criteria: tuple[int, ...]
    grounds: tuple[Ground, ...] = ()
    # Other names of the end user and the consignee (other spellings, the name in its script).
    end_user_aliases: tuple[str, ...] = ()
    consignee_aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RevokeDenial:
    """The notifying state withdraws its denial."""

    denial_id: str
    by_state: str | None
    reason: str | None


@dataclass(frozen=True)
class RenewDenial:
    """The notifying state confirms its denial on a later day."""

    denial_id: str
    by_state: str | None
    denied_on: dt.date


@dataclass(frozen=True)
class DismissMatch:
    """An assessor rules the denial not essentially identical to the case `application_ref`."""

    denial_id: str
    application_ref: str
    reason: str
    dismissed_at: dt.datetime
    application_id: str | None = None


# -- rules ----------------------------------------------------------------------------------


def _anti_torture(rating: str) -> bool:
    annex, _, _ = rating.partition(".")
    return annex in ("II", "III", "IV") and valid_anti_torture_rating(rating, annex)


_RATING_OF: dict[PartnerRegime, Callable[[str], bool]] = {
    "military": valid_military_rating, "dual_use": valid_dual_use_entry,
    "anti_torture": _anti_torture,
}


def regime_rating(regime: PartnerRegime, rating: str | None) -> str | None:
    """A rating in its one spelling, when it is a rating of the regime; Invalid otherwise."""
    norm = normalise_rating(rating)
    if norm is None:
        return None
    if not _RATING_OF[regime](norm):
        raise Invalid(f"rating: {rating!r} is not a {regime} rating",
                      errors=[FieldError(("body", "rating"), f"not a {regime} rating")])
    return norm


def _check_countries(cmd: NotifyDenial, is_country: Callable[[str], bool]) -> None:
    named = (("destination", cmd.destination), ("end_user.country", cmd.end_user.country),
             ("consignee.country", cmd.consignee.country if cmd.consignee else None))
    for where, code in named:
        if code is not None and not is_country(code):
            raise Invalid(f"{where}: {code} is not an ISO 3166-1 country",
                          errors=[FieldError(("body", *where.split(".")),
                                             f"unknown country {code}")])


def check_grounds(regime: PartnerRegime, criteria: Sequence[int],
                  grounds: Sequence[Ground]) -> None:
    """A denial rests on its regime's grounds: a military one on the criteria alone, a dual-use
    one on the criteria or its considerations and catch-all grounds (or both), an anti-torture
    one on its annex grounds alone."""
    if regime == "military":
        if not criteria:
            raise Invalid("criteria: a military denial names the criteria it rests on",
                          errors=[FieldError(("body", "criteria"), "required")])
        if grounds:
            raise Invalid("grounds: a military denial rests on the criteria of Common Position "
                          "2008/944/CFSP, not on other grounds",
                          errors=[FieldError(("body", "grounds"), "not for a military denial")])
        return
    allowed = DUAL_USE_GROUNDS if regime == "dual_use" else ANTI_TORTURE_GROUNDS
    foreign = [g for g in grounds if g not in allowed]
    if foreign:
        raise Invalid(f"grounds: {', '.join(foreign)} is no ground of a {regime} denial",
                      errors=[FieldError(("body", "grounds"), f"not a {regime} ground")])
    if regime == "dual_use" and not criteria and not grounds:
        raise Invalid("grounds: a dual-use denial names the criteria or the grounds it rests on",
                      errors=[FieldError(("body", "grounds"), "criteria or grounds required")])
    if regime == "anti_torture":
        if criteria:
            raise Invalid("criteria: an anti-torture denial rests on the grounds of Regulation "
                          "(EU) 2019/125, not on the criteria",
                          errors=[FieldError(("body", "criteria"),
                                             "not for an anti-torture denial")])
        if not grounds:
            raise Invalid("grounds: an anti-torture denial names the annex grounds it rests on",
                          errors=[FieldError(("body", "grounds"), "required")])


def other_names(name: str, aliases: Iterable[str]) -> list[str]:
    """A party's other names, each once, without its name itself."""
    seen = {name.casefold()}
    out = []
    for alias in aliases:
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            out.append(alias)
    return out


def notify(denial: Denial | None, cmd: NotifyDenial, *, policy: Policy, today: dt.date,
           is_country: Callable[[str], bool], taken_by: str | None) -> list[Payload]:
    """A partner's notification, checked: known countries, the grounds of its regime, a rating
    of its regime, a day that has come; registered under the token's state."""
    _check_countries(cmd, is_country)
    check_grounds(cmd.regime, cmd.criteria, cmd.grounds)
    rating = regime_rating(cmd.regime, cmd.rating)
    if not cmd.state:
        raise Forbidden("the token names no state; a partner token needs a `state` claim")
    if cmd.denied_on > today:
        raise Invalid(f"denied_on {cmd.denied_on} lies in the future")
    return register(denial, DenialRegistered(
        id=cmd.id, state=cmd.state, reference=cmd.reference, denied_on=cmd.denied_on,
        regime=cmd.regime, destination=cmd.destination, consignee=cmd.consignee,
        end_user=cmd.end_user, goods_description=cmd.goods_description, rating=rating,
        quantity=cmd.quantity, criteria=sorted(set(cmd.criteria)),
        grounds=sorted(set(cmd.grounds)),
        end_user_aliases=other_names(cmd.end_user.name, cmd.end_user_aliases),
        consignee_aliases=(other_names(cmd.consignee.name, cmd.consignee_aliases)
                           if cmd.consignee else []),
        expires_on=expires_on(cmd.denied_on, policy.validity_years)), taken_by=taken_by)


def register(denial: Denial | None, notification: DenialRegistered, *,
             taken_by: str | None) -> list[Payload]:
    """Register a denial once; `taken_by` is a denial already holding its state, reference and
    destination (a state registers each reference once per destination)."""
    if denial is not None:
        return []  # the same decision seen again finds its own denial
    if taken_by is not None:
        raise Conflict(f"state {notification.state} already registered reference "
                       f"{notification.reference!r} for {notification.destination} as denial "
                       f"{taken_by}", denial_id=taken_by)
    return [notification]


def _registered(denial: Denial | None, denial_id: str) -> Denial:
    if denial is None:
        raise NotFound(f"no denial {denial_id}")
    return denial


def _own(denial: Denial, state: str | None, action: str) -> None:
    if denial.state != state:
        raise Forbidden(f"only the notifying state {denial.state} may {action} this denial")


def revoke(denial: Denial | None, cmd: RevokeDenial, *, today: dt.date) -> list[Payload]:
    """The notifying state withdraws its denial from today, once."""
    current = _registered(denial, cmd.denial_id)
    _own(current, cmd.by_state, "revoke")
    if current.revoked_on is not None:
        raise Conflict(f"denial {current.id} was already revoked on {current.revoked_on}")
    return [DenialRevoked(denial_id=current.id, reason=cmd.reason, revoked_on=today)]


def renew(denial: Denial | None, cmd: RenewDenial, *, policy: Policy,
          today: dt.date) -> list[Payload]:
    """The notifying state confirms its denial on a day since: its validity runs again."""
    current = _registered(denial, cmd.denial_id)
    _own(current, cmd.by_state, "renew")
    if current.revoked_on is not None:
        raise Conflict(f"denial {current.id} was revoked on {current.revoked_on}; "
                       "register a new denial instead")
    if cmd.denied_on > today:
        raise Invalid(f"denied_on {cmd.denied_on} lies in the future")
    if cmd.denied_on < current.denied_on:
        raise Invalid(f"a renewal dates from {current.denied_on} or later, not {cmd.denied_on}")
    return [DenialRenewed(denial_id=current.id, denied_on=cmd.denied_on,
                          expires_on=expires_on(cmd.denied_on, policy.validity_years),
                          renewed_on=today)]


def expire(denial: Denial | None, *, on: dt.date) -> list[Payload]:
    """Record that a denial's validity ended, once; a revoked denial has ended already."""
    if (denial is None or denial.revoked_on is not None or denial.expiry_recorded
            or denial.expires_on > on):
        return []
    return [DenialExpired(denial_id=denial.id, expired_on=denial.expires_on)]


def dismiss(denial: Denial | None, cmd: DismissMatch) -> list[Payload]:
    """Rule a match out for one case, once: a pair ruled on before keeps its first ruling."""
    current = _registered(denial, cmd.denial_id)
    if cmd.application_ref in current.dismissed:
        return []
    return [MatchDismissed(denial_id=current.id, application_ref=cmd.application_ref,
                           reason=cmd.reason, state=current.state, dismissed_at=cmd.dismissed_at,
                           application_id=cmd.application_id)]


def changes_registry(events: Sequence[Payload]) -> int:
    """How many of these events change what a screening sees."""
    return sum(isinstance(e, REGISTRY_EVENTS) for e in events)


# -- evolve ---------------------------------------------------------------------------------


def evolver(validity_years: int) -> Callable[[Denial | None, Payload], Denial | None]:
    """The fold of a denial's events; `validity_years` dates the expiry of events that do not
    name it (recorded before they did)."""

    def evolve(denial: Denial | None, event: Payload) -> Denial | None:
        if isinstance(event, DenialRegistered):
            return Denial(notification=event, denied_on=event.denied_on,
                          expires_on=event.expires_on
                          or expires_on(event.denied_on, validity_years))
        if denial is None:
            return None
        match event:
            case DenialRenewed():
                return replace(denial, denied_on=event.denied_on,
                               expires_on=event.expires_on
                               or expires_on(event.denied_on, validity_years),
                               renewed_on=event.renewed_on, expiry_recorded=False)
            case DenialRevoked():
                return replace(denial, revoked_on=event.revoked_on)
            case DenialExpired():
                return replace(denial, expiry_recorded=True)
            case MatchDismissed():
                return replace(denial, dismissed=denial.dismissed | {event.application_ref})
        return denial

    return evolve
