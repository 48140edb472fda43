"""The annual submissions the office sends from the same facts: the EU's annual report on
arms exports (Common Position 2008/944/CFSP art. 8(2)) and the Arms Trade Treaty's."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.reporting.domain.applications import (
    VALUE_TRANSACTIONS,
    Decided,
    category_order,
    counted_lines,
    decided_applications,
    withheld,
)
from services.reporting.domain.facts import Facts
from services.reporting.domain.military import by_number, line_category
from services.reporting.domain.money import ZERO, eur

# The ATT's categories (art. 2(1)) as the ML categories approximate them: the Military List
# does not separate battle tanks from other armoured vehicles (ML6), nor combat aircraft from
# attack helicopters (ML10). Goods of other categories are no ATT category: their value is
# given as a total beside the rows.
ATT_CATEGORIES = {
    "ML1": "small_arms_light_weapons",
    "ML2": "large_calibre_artillery",
    "ML3": "ammunition",
    "ML4": "missiles_launchers",
    "ML6": "armoured_combat_vehicles_battle_tanks",
    "ML9": "warships",
    "ML10": "combat_aircraft_attack_helicopters",
}
ATT_METHOD = ("authorised exports: licences issued in the year for the definitive export of "
              "military goods, per country or destination group and ATT category, the "
              "category approximated by the goods' ML category (ML1 small arms and light "
              "weapons, ML2 large-calibre artillery, ML3 ammunition, ML4 missiles and "
              "launchers, ML6 armoured combat vehicles and battle tanks, ML9 warships, ML10 "
              "combat aircraft and attack helicopters); an extension counts its increase in "
              "value and no items")


@dataclass
class _Cell:
    licences: set[str] = field(default_factory=set)
    value: Decimal = ZERO
    denials: set[str] = field(default_factory=set)
    criteria: set[int] = field(default_factory=set)
    quantity: int = 0
    ml: set[str] = field(default_factory=set)


def _military(year: int, facts: Facts, on: dt.date | None) -> tuple[list[Decided],
                                                                    dict[str, Decided]]:
    every = decided_applications(facts)
    apps = [a for a in every if a.regime == "military" and a.year == year
            and not withheld(a, on)]
    return apps, by_number(every)


def eu_submission(year: int, facts: Facts, *, on: dt.date | None,
                  as_of: str | None = None) -> dict[str, Any]:
    """Per destination and ML category: the licences issued and their value (counted as the
    annual report counts them, so the values add up to its total), the denials and the
    criteria they cite."""
    apps, licences = _military(year, facts, on)
    cells: dict[tuple[str, str], _Cell] = defaultdict(_Cell)
    for app in apps:
        if app.transaction in VALUE_TRANSACTIONS:
            for category, value in counted_lines(app, licences, line_category):
                cell = cells[(app.destination, category)]
                cell.licences.add(app.app_id)
                cell.value += value
        if app.outcome == "denied":
            for category in {line_category(line) for line in app.goods} or {"unrated"}:
                cell = cells[(app.destination, category)]
                cell.denials.add(app.app_id)
                cell.criteria.update(int(c) for c in app.criteria if str(c).isdigit())
    rows = [{"destination": d, "category": c, "licences_issued": len(cell.licences),
             "value_eur": eur(cell.value), "denials": len(cell.denials),
             "criteria": sorted(cell.criteria)}
            for (d, c), cell in sorted(cells.items(),
                                       key=lambda kv: (kv[0][0], category_order(kv[0][1])))]
    return {"year": year, "as_of": as_of, "currency": "EUR", "rows": rows}


def att_submission(year: int, facts: Facts, *, on: dt.date | None,
                   as_of: str | None = None) -> dict[str, Any]:
    """Authorised exports per destination and ATT category: items and value."""
    apps, licences = _military(year, facts, on)
    cells: dict[tuple[str, str], _Cell] = defaultdict(_Cell)
    other = ZERO
    for app in apps:
        if app.transaction not in VALUE_TRANSACTIONS:
            continue
        counted = counted_lines(app, licences, line_category)
        for ml, value in counted:
            att = ATT_CATEGORIES.get(ml)
            if att is None:
                other += value
                continue
            cell = cells[(app.destination, att)]
            cell.value += value
            cell.ml.add(ml)
            cell.licences.add(app.app_id)
        if counted and not app.amends:
            for line in app.goods:
                att = ATT_CATEGORIES.get(line_category(line))
                if att is not None:
                    cells[(app.destination, att)].quantity += int(line.get("quantity") or 0)
    rows = [{"destination": d, "category": c, "ml_categories": sorted(cell.ml,
                                                                       key=category_order),
             "licences": len(cell.licences), "items": cell.quantity,
             "value_eur": eur(cell.value)}
            for (d, c), cell in sorted(cells.items())]
    return {"year": year, "as_of": as_of, "currency": "EUR", "method": ATT_METHOD,
            "other_value_eur": eur(other), "rows": rows}
