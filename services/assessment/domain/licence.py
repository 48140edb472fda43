"""The licence: issued on an approval, suspended, reinstated or revoked, and the fast-track
notice to parliament it may be due; its state as folded from its events, and the decisions.

A licence's events are on its application's stream, beside its case's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from services.assessment.domain.case import Case
from services.assessment.domain.recorded import Recorded
from services.assessment.domain.routing import GROUPS
from shared.clock import add_years, business_date
from shared.contracts import Payload
from shared.contracts.assessment import (
    CaseApplication,
    CaseDecided,
    LicenceIssued,
    LicenceMarkedConfidential,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSuspended,
    ParliamentNotificationDue,
    ParliamentNotificationSent,
)
from shared.errors import Conflict, Invalid, NotFound
from shared.reference import ReferenceData
from shared.reference.policies import DestinationPolicies

LicenceStatus = Literal["none", "active", "suspended", "revoked"]
LICENCE_PREFIX = {"military": "ML", "dual_use": "DU", "anti_torture": "AT", "national": "NM"}
DEFAULT_VALIDITY_YEARS = 2


@dataclass(frozen=True)
class Change:
    """A suspension, reinstatement or revocation, with its reason."""

    action: Literal["suspend", "reinstate", "revoke"]
    reason: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class Notification:
    """The notice to parliament a licence is due, and when and how it was sent."""

    due: ParliamentNotificationDue
    sent_on: dt.date | None = None
    explanation: str | None = None
    letter_reference: str | None = None


@dataclass(frozen=True)
class Confidential:
    """A licence withheld from public reports until its release date."""

    release_on: dt.date
    reason: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class Licence:
    """A licence as folded from its events; `status` is "none" before it was issued."""

    issued: LicenceIssued | None = None
    status: LicenceStatus = "none"
    history: tuple[Change, ...] = ()
    notification: Notification | None = None
    confidential: Confidential | None = None


@dataclass(frozen=True)
class FastTrack:
    """The fast-track policy: parliament hears of a big complete system within `days`."""

    threshold_eur: Decimal
    days: int


# -- numbers and validity ------------------------------------------------------------------------


def licence_prefix(regime: str, year: int) -> str:
    """`NL-ML-2024`: the part of a licence number before its sequence."""
    return f"NL-{LICENCE_PREFIX[regime]}-{year}"


def licence_number(prefix: str, sequence: int) -> str:
    """`NL-ML-2024-000123`."""
    return f"{prefix}-{sequence:06d}"


def validity_years(table: Mapping[str, int], regime: str, licence_type: str) -> int:
    """Years a new licence is valid: `<regime>.<licence_type>`, else `<licence_type>`, else 2."""
    return (table.get(f"{regime}.{licence_type}") or table.get(licence_type)
            or DEFAULT_VALIDITY_YEARS)


def validity(decided_on: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """Valid from the decision date up to the day before its `years`-th anniversary (inclusive).

    The one validity rule: calendar years (a licence of 29 February runs to 27 February).
    """
    return decided_on, add_years(decided_on, years) - dt.timedelta(days=1)


# -- decide --------------------------------------------------------------------------------------


def issues_licence(case: Case, decided: CaseDecided) -> bool:
    """Whether a decision issues a licence: an approved application (a sondage issues none)."""
    return decided.outcome == "approved" and case.application.procedure == "licence"


def issue(case: Case, decided: CaseDecided, *, number: str, years: int, ref: ReferenceData,
          fast_track: FastTrack, policies: DestinationPolicies | None = None) -> list[Payload]:
    """The licence an approval issues, and the notice to parliament it is due, if any."""
    app = case.application
    decided_on = business_date(decided.decided_at)
    valid_from, valid_until = validity(decided_on, years)
    issued = LicenceIssued(
        licence_number=number, application_id=case.id, reference=case.reference,
        regime=app.regime, licence_type=app.licence_type, transaction=app.transaction,
        purpose=app.purpose, catch_all=case.catch_all, destinations=app.destinations,
        destination_group=app.destination_group, origins=app.origins, goods=app.goods,
        value_eur=app.value_eur, service_value_eur=app.service_value_eur,
        valid_from=valid_from, valid_until=valid_until, decided_at=decided.decided_at,
        decided_on=decided_on, amends=case.amends, applicant=app.applicant,
        end_user=app.end_user, consignee=app.consignee, end_use=app.end_use, queue=case.queue)
    due = notification_due(app, ref, number=number, decided_on=decided_on, policy=fast_track,
                           policies=policies)
    return [issued] if due is None else [issued, due]


TRANSITIONS: dict[str, tuple[frozenset[str], LicenceStatus, type[Payload]]] = {
    "suspend": (frozenset({"active"}), "suspended", LicenceSuspended),
    "reinstate": (frozenset({"suspended"}), "active", LicenceReinstated),
    "revoke": (frozenset({"active", "suspended"}), "revoked", LicenceRevoked),
}


def change(licence: Licence, number: str, *, action: str, reason: str) -> list[Payload]:
    """Suspend, reinstate or revoke a licence, with a reason."""
    if licence.issued is None:
        raise NotFound(f"no licence {number}")
    allowed, new_status, event = TRANSITIONS[action]
    if licence.status not in allowed:
        raise Conflict(f"a {licence.status} licence cannot be {new_status}")
    return [event(licence_number=number, reason=reason)]


def check_sent_on(sent_on: dt.date, today: dt.date) -> None:
    """Parliament cannot have been told in the future."""
    if sent_on > today:
        raise Invalid("sent_on lies in the future")


def mark_sent(licence: Licence, notification_id: str, *, sent_on: dt.date,
              explanation: str | None = None,
              letter_reference: str | None = None) -> list[Payload]:
    """Record that parliament was informed about a licence, once (the fast-track "with an
    explanation"; a periodic letter cited by its reference)."""
    notice = licence.notification
    if notice is None or notice.due.id != notification_id:
        raise NotFound(f"no parliament notification {notification_id}")
    if notice.sent_on is not None:
        raise Conflict(f"notification {notification_id} was sent on {notice.sent_on}")
    if sent_on < notice.due.decided_on:
        raise Invalid(f"sent_on lies before the decision ({notice.due.decided_on})",
                      code="invalid-command")
    return [ParliamentNotificationSent(id=notice.due.id, licence_number=notice.due.licence_number,
                                       sent_on=sent_on, explanation=explanation,
                                       letter_reference=letter_reference)]


def mark_confidential(licence: Licence, number: str, *, release_on: dt.date, reason: str,
                      today: dt.date) -> list[Payload]:
    """Withhold a licence from public reports until `release_on` (a day still to come)."""
    if licence.issued is None:
        raise NotFound(f"no licence {number}")
    if release_on <= today:
        raise Invalid(f"release_on must lie after today ({today})", code="invalid-command")
    return [LicenceMarkedConfidential(licence_number=number, release_on=release_on,
                                      reason=reason)]


# -- parliament fast-track -----------------------------------------------------------------------


def notification_due(app: CaseApplication, ref: ReferenceData, *, number: str,
                     decided_on: dt.date, policy: FastTrack,
                     policies: DestinationPolicies | None = None
                     ) -> ParliamentNotificationDue | None:
    """The notice due for a new licence, or None when parliament need not be told.

    It is due for a new definitive military export or transfer with a complete system, worth
    more than the threshold, to a destination outside the EU, NATO and NATO+: by the
    fast-track within its days, or in the next periodic letter when every such destination
    has a policy saying so on the decision day (Ukraine).
    """
    if app.regime != "military" or app.procedure != "licence":
        return None
    if app.purpose != "definitive" or app.amends is not None:
        return None
    if app.transaction not in ("export", "transfer"):
        return None
    complete = [g for g in app.goods if g.complete_system]
    if not complete or app.value_eur <= policy.threshold_eur:
        return None
    outside = [d for d in app.destinations
               if d not in GROUPS and not ref.is_nato_plus(d, decided_on)]
    if not outside:
        return None
    by_letter = policies is not None and all(
        (p := policies.on(d, decided_on)) is not None and p.parliament == "periodic_letters"
        for d in outside)
    return ParliamentNotificationDue(
        id=number, licence_number=number, kind="periodic_letter" if by_letter else "fast_track",
        destination=outside[0], destinations=outside,
        description="; ".join(g.description for g in complete), value_eur=app.value_eur,
        decided_on=decided_on,
        due_by=None if by_letter else decided_on + dt.timedelta(days=policy.days))


# -- evolve --------------------------------------------------------------------------------------


def evolve(licence: Licence, event: Recorded[Payload]) -> Licence:
    """The licence after one of its events; events of its case leave it as it is."""
    p = event.payload
    match p:
        case LicenceIssued():
            return Licence(issued=p, status="active")
        case LicenceSuspended():
            return _changed(licence, "suspend", "suspended", p.reason, event)
        case LicenceReinstated():
            return _changed(licence, "reinstate", "active", p.reason, event)
        case LicenceRevoked():
            return _changed(licence, "revoke", "revoked", p.reason, event)
        case ParliamentNotificationDue():
            return replace(licence, notification=Notification(p))
        case ParliamentNotificationSent() if licence.notification is not None:
            return replace(licence, notification=replace(
                licence.notification, sent_on=p.sent_on, explanation=p.explanation,
                letter_reference=p.letter_reference))
        case LicenceMarkedConfidential():
            return replace(licence, confidential=Confidential(
                release_on=p.release_on, reason=p.reason, by=event.by, at=event.recorded_at))
    return licence


def _changed(licence: Licence, action: Literal["suspend", "reinstate", "revoke"],
             status: LicenceStatus, reason: str, event: Recorded[Any]) -> Licence:
    entry = Change(action=action, reason=reason, by=event.by, at=event.recorded_at)
    return replace(licence, status=status, history=(*licence.history, entry))
