"""How long a denial holds and how long a consulted state has: deadlines and their arithmetic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

DenialStatus = Literal["active", "pending", "expired", "revoked"]


@dataclass(frozen=True)
class Policy:
    """Deadlines in force: how long a denial stays valid, how long a consulted state has."""

    validity_years: int
    consultation_days: int


def expires_on(denied_on: dt.date, years: int) -> dt.date:
    """The first day a denial is no longer active: its anniversary `years` on (29 Feb: 1 Mar)."""
    try:
        return denied_on.replace(year=denied_on.year + years)
    except ValueError:
        return dt.date(denied_on.year + years, 3, 1)


def is_active(*, denied_on: dt.date, expires: dt.date, revoked_on: dt.date | None,
              on: dt.date) -> bool:
    """Active from `denied_on` up to the day before expiry, unless revoked by then."""
    if revoked_on is not None and revoked_on <= on:
        return False
    return denied_on <= on < expires


def denial_status(*, denied_on: dt.date, expires: dt.date, revoked_on: dt.date | None,
                  on: dt.date) -> DenialStatus:
    """What a denial is on a day: revoked, active, expired, or pending (denied later)."""
    if revoked_on is not None and revoked_on <= on:
        return "revoked"
    if is_active(denied_on=denied_on, expires=expires, revoked_on=revoked_on, on=on):
        return "active"
    return "expired" if on >= expires else "pending"
