"""The military tables of the annual report, and the denial rows every regime's table shares."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from services.reporting.domain.applications import (
    VALUE_TRANSACTIONS,
    Decided,
    Reference,
    category_order,
    counted_lines,
    eu_nato_plus,
    ml_category,
)
from services.reporting.domain.money import ZERO, eur, pct

UNPLACED = "Unplaced"
PSEUDO_DESTINATIONS = ("EU", "EU_NATO_PLUS", "VARIOUS")


def line_category(line: dict[str, Any]) -> str:
    """The ML category of a goods line."""
    return ml_category(line.get("rating"))


def _service_value(app: Decided) -> Decimal:
    return app.service_value


def by_number(apps: list[Decided]) -> dict[str, Decided]:
    """The licences held, by number (what an extension or replacement is compared with)."""
    return {a.licence_number: a for a in apps if a.licence_number and a.approved}


def _values_row(values: dict[str, Decimal]) -> dict[str, str]:
    return {c: eur(values[c]) for c in sorted(values, key=category_order)}


def destination_table(apps: list[Decided], licences: dict[str, Decided]) -> list[dict[str, Any]]:
    """Value per ML category for each destination, the highest total first."""
    per: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for app in apps:
        for cat, value in counted_lines(app, licences, line_category):
            per[app.destination][cat] += value
    totals = sorted(((sum(v.values(), ZERO), d) for d, v in per.items()),
                    key=lambda td: (-td[0], td[1]))
    return [{"destination": d, "values": _values_row(per[d]), "total_eur": eur(total)}
            for total, d in totals]


def denial_rows(denied: list[Decided]) -> list[dict[str, Any]]:
    """One row per denied application: what, to whom, when, and what the denial rests on (the
    Common Position's criteria and the regime's other grounds)."""
    rows = []
    for app in denied:
        end_user = app.end_user or {}
        recipient = (app.consignee or {}).get("name") or end_user.get("name") or ""
        rows.append({
            "destination": app.destination,
            "description": "; ".join(str(g.get("description", "")) for g in app.goods),
            "quantity": sum(int(g.get("quantity") or 0) for g in app.goods),
            "recipient": recipient, "end_user": end_user.get("name") or "",
            "decided_on": app.decided_on.isoformat(),
            "criteria": sorted(int(c) for c in app.criteria if str(c).isdigit()),
            "grounds": sorted(app.grounds),
            "procedure": app.procedure,
        })
    rows.sort(key=lambda r: (r["decided_on"], r["destination"], r["description"]))
    return rows


def military_tables(year: int, apps: list[Decided], licences: dict[str, Decided],
                    ref: Reference) -> dict[str, Any]:
    """Summary, value per category, destination and region, denials, transit and brokering."""
    decided = [a for a in apps if a.regime == "military" and a.year == year]
    value_apps = [a for a in decided if a.transaction in VALUE_TRANSACTIONS]
    by_cat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_region: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_country: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for app in value_apps:
        for cat, value in counted_lines(app, licences, line_category):
            by_cat[cat] += value
            by_region[ref.region(app.destination) or UNPLACED] += value
            by_country[app.destination] += value
    total = sum(by_cat.values(), ZERO)
    approved = [a for a in decided if a.approved]
    denied = [a for a in decided if a.outcome == "denied"]
    summary = {
        "applications": len(decided), "approved": len(approved),
        "approved_nato_eu_plus": sum(1 for a in approved if eu_nato_plus(a, ref)),
        "denied": len(denied), "denial_rate_pct": pct(len(denied), len(decided)),
        "total_value_eur": eur(total),
    }
    regions = sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0]))
    countries = sorted(((d, v) for d, v in by_country.items()
                        if d not in PSEUDO_DESTINATIONS and v > 0),
                       key=lambda kv: (-kv[1], kv[0]))[:5]
    transit = [a for a in decided if a.transaction == "transit"]
    return {
        "summary": [summary],
        "by_category": [{"category": c, "value_eur": eur(by_cat[c])}
                        for c in sorted(by_cat, key=category_order)],
        "by_destination": destination_table(value_apps, licences),
        "by_region": [{"region": r, "value_eur": eur(v), "share_pct": pct(v, total)}
                      for r, v in regions],
        "top_destinations": [{"destination": d, "value_eur": eur(v), "share_pct": pct(v, total)}
                             for d, v in countries],
        "denials": denial_rows(denied),
        "transit": destination_table(transit, licences),
        "brokering": _brokering(decided, licences),
    }


def _brokering(decided: list[Decided], licences: dict[str, Decided]) -> list[dict[str, Any]]:
    rows = []
    for app in (a for a in decided if a.transaction == "brokering"):
        lines = counted_lines(app, licences, line_category, value_of=_service_value)
        if not lines and (app.amends or app.purpose != "definitive" or not app.approved
                          or app.procedure != "licence"):
            continue
        rows.append({
            "destination": app.destination, "origin": app.origin,
            "ratings": sorted({str(g.get("rating")) for g in app.goods if g.get("rating")}),
            "description": "; ".join(str(g.get("description", "")) for g in app.goods),
            "service_value_eur": eur(sum((v for _, v in lines), ZERO)),
        })
    rows.sort(key=lambda r: (r["destination"], r["origin"], r["description"]))
    return rows
