"""The history table: the published series of earlier years, and the years the log holds.

The series (value of the licences issued per year, split EU/NATO+ versus other, and the denial
rate) comes from the published annual reports, read from a CSV (see `published_series`); a year
the event log holds is computed from the log and overrides the published figure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.reporting.domain.applications import (
    VALUE_TRANSACTIONS,
    Decided,
    Reference,
    counted_lines,
    eu_nato_plus,
)
from services.reporting.domain.military import line_category
from services.reporting.domain.money import ZERO, eur, money, pct

LOG_SOURCE = "event log"


@dataclass(frozen=True)
class PublishedYear:
    """One year of the published series, with where it was published."""

    year: int
    eu_nato_plus_value: Decimal
    other_value: Decimal
    applications: int | None
    denied: int | None
    denial_rate_pct: str | None
    source: str


def published_series(text: str) -> list[PublishedYear]:
    """The rows of a series CSV: `year,eu_nato_plus_value_eur,other_value_eur,applications,
    denied,denial_rate_pct,source` (lines starting with # are comments; empty counts are not
    published); ValueError names a bad line."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    out = []
    for number, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=2):
        try:
            out.append(PublishedYear(
                year=int(row["year"]), eu_nato_plus_value=money(row["eu_nato_plus_value_eur"]),
                other_value=money(row["other_value_eur"]),
                applications=int(row["applications"]) if row.get("applications") else None,
                denied=int(row["denied"]) if row.get("denied") else None,
                denial_rate_pct=row.get("denial_rate_pct") or None,
                source=str(row["source"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"history series, data line {number}: {exc}") from exc
    return out


def history(year: int, apps: list[Decided], licences: dict[str, Decided], ref: Reference,
            published: Iterable[PublishedYear] = ()) -> list[dict[str, Any]]:
    """One row per year up to `year`: from the log where it holds the year, else published."""
    years: dict[int, dict[str, Any]] = {}
    for app in apps:
        if app.regime != "military" or app.year > year:
            continue
        row = years.setdefault(app.year, {"applications": 0, "denied": 0, "eu": ZERO,
                                          "other": ZERO})
        row["applications"] += 1
        row["denied"] += app.outcome == "denied"
        if app.transaction in VALUE_TRANSACTIONS:
            value = sum((v for _, v in counted_lines(app, licences, line_category)), ZERO)
            row["eu" if eu_nato_plus(app, ref) else "other"] += value
    rows = {y: {"year": y, "value_eur": eur(r["eu"] + r["other"]),
                "eu_nato_plus_value_eur": eur(r["eu"]), "other_value_eur": eur(r["other"]),
                "applications": r["applications"], "denied": r["denied"],
                "denial_rate_pct": pct(r["denied"], r["applications"]), "source": LOG_SOURCE}
            for y, r in years.items()}
    for p in published:
        if p.year <= year and p.year not in rows:
            rate = p.denial_rate_pct
            if rate is None and p.applications:
                rate = pct(p.denied or 0, p.applications)
            rows[p.year] = {"year": p.year, "value_eur": eur(p.eu_nato_plus_value + p.other_value),
                            "eu_nato_plus_value_eur": eur(p.eu_nato_plus_value),
                            "other_value_eur": eur(p.other_value),
                            "applications": p.applications, "denied": p.denied,
                            "denial_rate_pct": rate, "source": p.source}
    return [rows[y] for y in sorted(rows)]
