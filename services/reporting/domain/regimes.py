"""The tables of the general licences, the dual-use, national and anti-torture regimes."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from services.reporting.domain.applications import (
    Decided,
    annex_of,
    category_order,
    counted_lines,
    ml_category,
)
from services.reporting.domain.facts import Facts, parts
from services.reporting.domain.military import denial_rows
from services.reporting.domain.money import ZERO, business_day, eur, money, period_year

MILITARY_GENERAL_LICENCES = ("NL003", "NL004", "NL005", "NL006", "NL007", "NL008", "NL009")
# The national general licence of the additional controls: a national measure, outside the EU
# dual-use regulation's reporting (kept out of its tables whatever regime an old event gave).
NATIONAL_GENERAL_LICENCES = ("NL900",)
DUAL_USE_TYPES = ("individual", "global", "intra_eu", "catch_all")
ANNEXES = ("II", "III", "IV")
ANNEX_I_CATEGORIES = tuple(str(n) for n in range(10))
UNRATED = "unrated"
_ANNEX_I = Path(__file__).parents[1] / "data" / "annex_i_categories.json"


@cache
def annex_i_names() -> dict[str, dict[str, str]]:
    """The names of the ten categories of Annex I of Regulation 2021/821, `{"3": {"en": ...,
    "nl": ...}}`, from the packaged data file (read on first use)."""
    doc = json.loads(_ANNEX_I.read_text(encoding="utf-8"))
    return {str(k): {"en": str(v["en"]), "nl": str(v["nl"])}
            for k, v in doc["categories"].items()}


def annex_i_category(line: dict[str, Any]) -> str:
    """The Annex I category of a dual-use goods line: the first digit of its entry (3A001: 3;
    a national x9xx entry too), or "unrated"."""
    rating = str(line.get("rating") or "")
    return rating[0] if rating[:1].isdigit() else UNRATED


def _flags(data: dict[str, Any]) -> list[dict[str, str]]:
    # Stored v2 flags are {code, text}; facts kept before the upcaster existed held sentences.
    out = []
    for flag in data.get("flags") or []:
        if isinstance(flag, dict):
            out.append({"code": str(flag.get("code", "")), "text": str(flag.get("text", ""))})
        else:
            out.append({"code": "unclassified", "text": str(flag)})
    return out


def general_licences(year: int, facts: Facts) -> list[dict[str, Any]]:
    """Uses of the military general licences per licence, direction and country, and why a row
    is flagged: the codes and sentences of its flagged realisations."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for data in parts(facts, "realisation", "reported"):
        code = str(data.get("code"))
        if code not in MILITARY_GENERAL_LICENCES or period_year(data.get("period")) != year:
            continue
        key = (code, str(data.get("direction", "export")), str(data.get("country", "")))
        row = rows.setdefault(key, {"value": ZERO, "categories": set(), "flagged": False,
                                    "codes": set(), "reasons": set()})
        row["value"] += money(data.get("value_eur"))
        row["categories"].update(ml_category(r) for r in data.get("ratings") or [])
        if data.get("flagged"):
            row["flagged"] = True
            for flag in _flags(data):
                row["codes"].add(flag["code"])
                row["reasons"].add(flag["text"])
    return [{"licence": k[0], "direction": k[1], "country": k[2], "value_eur": eur(r["value"]),
             "categories": sorted(r["categories"], key=category_order), "flagged": r["flagged"],
             "flag_codes": sorted(r["codes"]), "flag_reasons": sorted(r["reasons"])}
            for k, r in sorted(rows.items())]


def general_licence_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The value of each general licence's uses in the year (its rows added up)."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        totals[row["licence"]] += money(row["value_eur"])
    return [{"licence": code, "value_eur": eur(value)} for code, value in sorted(totals.items())]


def _dual_use_type(app: Decided) -> str:
    if app.catch_all:
        return "catch_all"
    if app.transaction == "transfer":
        return "intra_eu"
    return "global" if app.licence_type == "global" else "individual"


@dataclass
class _Counts:
    issued: int = 0
    issued_value: Decimal = ZERO
    denied: int = 0
    denied_value: Decimal = ZERO

    def count(self, app: Decided, licences: dict[str, Decided]) -> None:
        """Count one definitive licence application's outcome."""
        if app.approved:
            lines = counted_lines(app, licences, lambda _line: "value")
            if app.amends and not lines:
                return
            self.issued += 1
            self.issued_value += sum((v for _, v in lines), ZERO)
        elif app.outcome == "denied" and not app.amends:
            self.denied += 1
            self.denied_value += app.value

    def row(self) -> dict[str, Any]:
        """The counts as a table row's fields."""
        return {"issued": self.issued, "issued_value_eur": eur(self.issued_value),
                "denied": self.denied, "denied_value_eur": eur(self.denied_value)}


def _counted(app: Decided, regime: str, year: int) -> bool:
    return (app.regime == regime and app.year == year and app.procedure == "licence"
            and app.purpose == "definitive")


def _dual_use_realisation(data: dict[str, Any]) -> bool:
    code = str(data.get("code"))
    if code in NATIONAL_GENERAL_LICENCES or data.get("regime") == "national":
        return False
    return data.get("regime") == "dual_use" or code.startswith("EU")


@dataclass
class _Issued:
    licences: set[str] = field(default_factory=set)
    value: Decimal = ZERO


def _individual_figures(year: int, apps: list[Decided], licences: dict[str, Decided]
                        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The record's figures 6 and 7: dual-use individual licences issued in the year per
    destination and per Annex I category, counted as `by_type` counts its individual row (so
    each table's value adds up to it). A licence with goods of several categories is in each of
    them, its value split by its goods lines."""
    per_destination: dict[str, _Issued] = defaultdict(_Issued)
    per_category: dict[str, _Issued] = {c: _Issued() for c in ANNEX_I_CATEGORIES}
    for app in apps:
        if (not _counted(app, "dual_use", year) or not app.approved
                or _dual_use_type(app) != "individual"):
            continue
        lines = counted_lines(app, licences, annex_i_category)
        if app.amends and not lines:
            continue
        destination = per_destination[app.destination]
        destination.licences.add(app.app_id)
        destination.value += sum((v for _, v in lines), ZERO)
        for category, value in lines:
            cell = per_category.setdefault(category, _Issued())
            cell.licences.add(app.app_id)
            cell.value += value
    names = annex_i_names()
    return ([{"destination": d, "licences": len(r.licences), "value_eur": eur(r.value)}
             for d, r in sorted(per_destination.items())],
            [{"category": c, "name": names.get(c, {}).get("en", ""),
              "licences": len(r.licences), "value_eur": eur(r.value)}
             for c, r in sorted(per_category.items(), key=lambda kv: (kv[0] == UNRATED, kv[0]))])


def dual_use_tables(year: int, apps: list[Decided], licences: dict[str, Decided],
                    facts: Facts) -> dict[str, Any]:
    """Licences per type, the ten destinations with the highest realised exports, denials, and
    the individual licences per destination and per Annex I category."""
    table = {t: _Counts() for t in DUAL_USE_TYPES}
    for app in apps:
        if _counted(app, "dual_use", year):
            table[_dual_use_type(app)].count(app, licences)
    regime_of = {a.app_id: a.regime for a in apps}
    realised: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for data in parts(facts, "shipment", "recorded"):
        regime = data.get("regime") or regime_of.get(str(data.get("application_id")))
        day = business_day(data.get("shipped_on"))
        if regime == "dual_use" and day is not None and day.year == year:
            realised[str(data.get("country"))] += money(data.get("value_eur"))
    for data in parts(facts, "realisation", "reported"):
        if _dual_use_realisation(data) and period_year(data.get("period")) == year:
            realised[str(data.get("country"))] += money(data.get("value_eur"))
    top = sorted(realised.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    denied = [a for a in apps if a.regime == "dual_use" and a.year == year
              and a.outcome == "denied"]
    by_destination, by_category = _individual_figures(year, apps, licences)
    return {
        "by_type": [{"type": t, **r.row()} for t, r in table.items()],
        "top_destinations": [{"country": c, "value_eur": eur(v)} for c, v in top],
        "denials": denial_rows(denied),
        "by_destination": by_destination,
        "by_category": by_category,
    }


def national(year: int, apps: list[Decided], licences: dict[str, Decided]) -> list[dict[str, Any]]:
    """Licences of the national measures (one row), counted as the dual-use ones are and kept
    out of every EU dual-use table."""
    counts = _Counts()
    for app in apps:
        if _counted(app, "national", year):
            counts.count(app, licences)
    return [{"regime": "national", **counts.row()}]


@dataclass
class _AnnexRow:
    licences: set[str] = field(default_factory=set)
    value: Decimal = ZERO
    destinations: set[str] = field(default_factory=set)
    end_uses: set[str] = field(default_factory=set)


def anti_torture(year: int, apps: list[Decided],
                 licences: dict[str, Decided]) -> list[dict[str, Any]]:
    """Licences per annex of the anti-torture regulation."""
    per = {a: _AnnexRow() for a in ANNEXES}
    for app in apps:
        if app.regime != "anti_torture" or app.year != year:
            continue
        for annex, value in counted_lines(app, licences, annex_of):
            row = per.setdefault(annex, _AnnexRow())
            row.licences.add(app.app_id)
            row.value += value
            row.destinations.update(app.destinations or [app.destination])
            if app.end_use:
                row.end_uses.add(app.end_use)
    return [{"annex": a, "licences": len(r.licences), "value_eur": eur(r.value),
             "destinations": sorted(r.destinations), "end_uses": sorted(r.end_uses)}
            for a, r in per.items()]


def anti_torture_denials(year: int, apps: list[Decided]) -> list[dict[str, Any]]:
    """Denied anti-torture applications with the grounds they rest on."""
    return denial_rows([a for a in apps if a.regime == "anti_torture" and a.year == year
                        and a.outcome == "denied"])
