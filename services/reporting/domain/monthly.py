"""The monthly overview of licences issued, published between annual reports.

A licence for a destination whose policy asks for overviews without detail about the goods
(Ukraine, in the office's practice) is listed with its number, date, destination and value, but
without its goods' descriptions and ratings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.reporting.domain.applications import decided_applications, withheld
from services.reporting.domain.facts import Facts
from services.reporting.domain.money import eur

REGIMES = ("military", "dual_use")
TABLES = ("licences",)


@dataclass(frozen=True)
class OverviewPolicy:
    """A destination whose licences are published without detail about the goods, from a day
    (to a day, when the policy ends)."""

    destination: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    source: str = ""

    def applies(self, destination: str, on: dt.date) -> bool:
        """Whether this policy covers a licence for `destination` decided on `on`."""
        return (destination == self.destination and self.valid_from <= on
                and (self.valid_until is None or on <= self.valid_until))


def monthly_overview(year: int, month: int, facts: Facts, *, on: dt.date | None,
                     policies: Iterable[OverviewPolicy] = (),
                     as_of: str | None = None) -> dict[str, Any]:
    """The military and dual-use licences issued in one month (by the Amsterdam day of their
    decision), in date order; confidential licences withheld and counted."""
    policies = tuple(policies)
    rows = []
    hidden = 0
    for app in decided_applications(facts):
        if (app.regime not in REGIMES or not app.approved or not app.licence_number
                or (app.decided_on.year, app.decided_on.month) != (year, month)):
            continue
        if withheld(app, on):
            hidden += 1
            continue
        plain = not any(p.applies(d, app.decided_on) for p in policies
                        for d in app.destinations or [app.destination])
        rows.append({
            "licence_number": app.licence_number, "decided_on": app.decided_on.isoformat(),
            "regime": app.regime, "licence_type": app.licence_type,
            "transaction": app.transaction, "destination": app.destination,
            "destinations": list(app.destinations),
            "description": "; ".join(str(g.get("description", "")) for g in app.goods)
            if plain else None,
            "ratings": sorted({str(g["rating"]) for g in app.goods if g.get("rating")})
            if plain else [],
            "goods_withheld": not plain,
            "value_eur": eur(app.value),
        })
    rows.sort(key=lambda r: (r["decided_on"], str(r["licence_number"])))
    return {"year": year, "month": month, "as_of": as_of, "currency": "EUR",
            "withheld_confidential": hidden, "licences": rows}
