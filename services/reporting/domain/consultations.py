"""Consultations the Netherlands started and received, and its share of the EU's total.

The EU total per year is not in the log: it is published in the EU annual report on arms
exports and read from a CSV with its source (see `eu_totals`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.reporting.domain.facts import Facts, parts
from services.reporting.domain.money import business_day, pct


@dataclass(frozen=True)
class EuConsultations:
    """The number of consultations held between the EU member states in one year, and where
    it was published."""

    year: int
    total: int
    source: str


def eu_totals(text: str) -> list[EuConsultations]:
    """The rows of an EU totals CSV: `year,eu_total,source` (lines starting with # are
    comments); ValueError names a bad line."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    out = []
    for number, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=2):
        try:
            total = int(row["eu_total"])
            if total < 0:
                raise ValueError(f"a negative total {total}")
            out.append(EuConsultations(year=int(row["year"]), total=total,
                                       source=str(row["source"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"EU consultations, data line {number}: {exc}") from exc
    return out


def _counts(year: int, facts: Facts) -> tuple[int, int]:
    started = received = 0
    for data in parts(facts, "consultation", "opened"):
        day = business_day(data.get("opened_at"))
        if day is None or day.year != year:
            continue
        started += data.get("consulting_state") == "NL"
        received += data.get("denying_state") == "NL"
    return started, received


def consultations(year: int, facts: Facts) -> list[dict[str, Any]]:
    """Consultations opened in the year that the Netherlands started and received (one row)."""
    started, received = _counts(year, facts)
    return [{"started": started, "received": received}]


def consultation_share(year: int, facts: Facts,
                       totals: Iterable[EuConsultations] = ()) -> list[dict[str, Any]]:
    """The consultations the Netherlands took part in (started plus received: a consultation
    is between two states, so none is counted twice) as a share of the EU's total for the year,
    with the total's source; the share is null when the total is not known."""
    started, received = _counts(year, facts)
    eu = next((t for t in totals if t.year == year), None)
    ours = started + received
    return [{"year": year, "started": started, "received": received, "netherlands": ours,
             "eu_total": eu.total if eu else None,
             "share_pct": pct(ours, eu.total) if eu else None,
             "source": eu.source if eu else None}]
