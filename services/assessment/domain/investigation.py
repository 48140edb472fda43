"""Follow-up of what a check flagged: a flagged realisation, a refused shipment or a case
referred for investigation to the enforcement authority, and its outcome. Each referral is a
stream of its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from shared.contracts import Payload
from shared.contracts.assessment import InvestigationConcluded, InvestigationReferred
from shared.errors import Conflict, Invalid, NotFound

Outcome = Literal["no_action", "warning", "fine", "prosecution"]


@dataclass(frozen=True)
class Investigation:
    """A referral as folded from its events (None before it was made)."""

    referred: InvestigationReferred | None = None
    concluded: InvestigationConcluded | None = None

    @property
    def status(self) -> Literal["open", "closed"]:
        """Open until its outcome is recorded."""
        return "closed" if self.concluded is not None else "open"

    def age_days(self, today: dt.date) -> int | None:
        """Days an open referral has waited since it was made."""
        if self.referred is None or self.concluded is not None:
            return None
        return (today - self.referred.referred_on).days


def refer(referral_id: str, *, subject_kind: Literal["realisation", "shipment", "case"],
          subject_id: str, reason: str, referred_on: dt.date, authority: str | None,
          today: dt.date) -> list[Payload]:
    """Refer something flagged for investigation."""
    if referred_on > today:
        raise Invalid("referred_on lies in the future", code="invalid-command")
    return [InvestigationReferred(id=referral_id, subject_kind=subject_kind,
                                  subject_id=subject_id, reason=reason, referred_on=referred_on,
                                  authority=authority)]


def conclude(investigation: Investigation, referral_id: str, *, outcome: Outcome,
             note: str | None, concluded_on: dt.date, today: dt.date) -> list[Payload]:
    """Record the outcome of an investigation, once, not before it was referred."""
    if investigation.referred is None:
        raise NotFound(f"no investigation {referral_id}")
    if investigation.concluded is not None:
        raise Conflict(f"investigation {referral_id} was concluded on "
                       f"{investigation.concluded.concluded_on}")
    if concluded_on < investigation.referred.referred_on or concluded_on > today:
        raise Invalid(f"concluded_on must lie between the referral "
                      f"({investigation.referred.referred_on}) and today", code="invalid-command")
    return [InvestigationConcluded(id=referral_id, outcome=outcome, note=note,
                                   concluded_on=concluded_on)]


def evolve(investigation: Investigation, event: Payload) -> Investigation:
    """The investigation after one of its events."""
    match event:
        case InvestigationReferred():
            return Investigation(referred=event)
        case InvestigationConcluded():
            return replace(investigation, concluded=event)
    return investigation
