"""Exact money and percentages: Decimal in, two-decimal strings out."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
ZERO = Decimal("0")
_AMSTERDAM = "Europe/Amsterdam"


def money(value: Any) -> Decimal:
    """A payload amount as Decimal; missing or malformed amounts count as zero."""
    if value is None:
        return ZERO
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ZERO
    return amount if amount.is_finite() else ZERO


def eur(amount: Decimal) -> str:
    """An amount as the contract's decimal string with two decimals."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def pct(part: Decimal | int, whole: Decimal | int) -> str:
    """`part` as a percentage of `whole`, two decimals, half up; "0.00" when the whole is zero."""
    if not whole:
        return "0.00"
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP))


def allocate(amount: Decimal, weights: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Split `amount` over keys in proportion to weights, in cents that add up exactly.

    Largest remainder, ties to the earlier key; with no positive weight the first key takes all.
    """
    if not weights:
        return []
    positive = [(k, w) for k, w in weights if w > 0]
    if not positive:
        return [(weights[0][0], amount)] + [(k, ZERO) for k, _ in weights[1:]]
    total_w = sum((w for _, w in positive), ZERO)
    cents = int((amount / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    shares = [(k, Decimal(cents) * w / total_w) for k, w in positive]
    floors = [(k, int(s)) for k, s in shares]
    left = cents - sum(f for _, f in floors)
    order = sorted(range(len(shares)), key=lambda i: -(shares[i][1] - floors[i][1]))
    bonus = {i: 1 for i in order[:left]}
    return [(k, Decimal(f + bonus.get(i, 0)) * CENT) for i, (k, f) in enumerate(floors)]


def business_day(value: Any) -> dt.date | None:
    """The Amsterdam calendar day of a business time or date string; None if unreadable."""
    if value is None:
        return None
    text = str(value)
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(_AMSTERDAM)).date()


def period_year(period: Any) -> int | None:
    """The year of a realisation period such as "2024" or "2024-Q3"."""
    text = str(period or "")
    return int(text[:4]) if text[:4].isdigit() else None
