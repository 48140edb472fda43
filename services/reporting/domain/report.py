"""The annual report as a pure function of the facts: `build_report(year, facts, ref)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from services.reporting.domain.applications import Reference, decided_applications, withheld
from services.reporting.domain.consultations import (
    EuConsultations,
    consultation_share,
    consultations,
)
from services.reporting.domain.facts import Facts
from services.reporting.domain.history import PublishedYear, history
from services.reporting.domain.military import by_number, military_tables
from services.reporting.domain.money import business_day
from services.reporting.domain.parliament import documents, fast_track
from services.reporting.domain.regimes import (
    anti_torture,
    anti_torture_denials,
    dual_use_tables,
    general_licence_totals,
    general_licences,
    national,
)

OUTCOMES = ("no_action", "warning", "fine", "prosecution")


def _enforcement(year: int, facts: Facts) -> list[dict[str, Any]]:
    """Investigations referred and concluded in the year, by outcome, and those still open at
    its end (one row)."""
    row: dict[str, Any] = {"referred": 0, "concluded": 0, **dict.fromkeys(OUTCOMES, 0),
                           "open_at_year_end": 0}
    end = dt.date(year, 12, 31)
    for (kind, _key), fact in sorted(facts.items()):
        if kind != "investigation" or "referred" not in fact:
            continue
        referred = business_day(fact["referred"]["data"].get("referred_on"))
        concluded_data = fact.get("concluded", {}).get("data", {})
        concluded = business_day(concluded_data.get("concluded_on"))
        if referred is not None and referred.year == year:
            row["referred"] += 1
        if concluded is not None and concluded.year == year:
            row["concluded"] += 1
            outcome = str(concluded_data.get("outcome"))
            if outcome in OUTCOMES:
                row[outcome] += 1
        if referred is not None and referred <= end and (concluded is None or concluded > end):
            row["open_at_year_end"] += 1
    return [row]


def build_report(year: int, facts: Facts, ref: Reference, *, as_of: str | None = None,
                 on: dt.date | None = None, published: Iterable[PublishedYear] = (),
                 eu_consultations: Iterable[EuConsultations] = ()) -> dict[str, Any]:
    """The whole annual report for `year` over the facts; the same facts give the same bytes.

    `on` is the day confidential licences are judged on (released when their release day has
    come; with no day, every marked licence is withheld); `published` the series of earlier
    years the history table starts with; `eu_consultations` the EU's totals of consultations
    per year, which the Netherlands' share is of.
    """
    every = decided_applications(facts)
    licences = by_number(every)  # amendments compare with withheld licences too
    hidden = [a for a in every if withheld(a, on)]
    hidden_ids = {a.app_id for a in hidden}
    hidden_numbers = {a.licence_number for a in hidden if a.licence_number}
    apps = [a for a in every if a.app_id not in hidden_ids]
    visible = _without(facts, hidden_ids)
    gl_rows = general_licences(year, visible)
    dual_use = dual_use_tables(year, apps, licences, visible)
    return {
        "year": year,
        "as_of": as_of,
        "currency": "EUR",
        "withheld_confidential": sum(1 for a in hidden if a.year == year),
        "military": military_tables(year, apps, licences, ref),
        "general_licences": gl_rows,
        "general_licences_totals": general_licence_totals(gl_rows),
        "dual_use": dual_use,
        "national": national(year, apps, licences),
        "anti_torture": anti_torture(year, apps, licences),
        "anti_torture_denials": anti_torture_denials(year, apps),
        "parliament_fast_track": fast_track(year, visible, hidden_numbers),
        "parliament": {"documents": documents(year, visible, hidden_numbers)},
        "consultations": consultations(year, visible),
        "consultations_share": consultation_share(year, visible, eu_consultations),
        "enforcement": _enforcement(year, visible),
        "history": history(year, apps, licences, ref, published),
    }


def _without(facts: Facts, app_ids: set[str]) -> Facts:
    """The facts less the shipments under withheld licences (their applications go too)."""
    if not app_ids:
        return facts
    return {key: fact for key, fact in facts.items()
            if not (key[0] == "app" and key[1] in app_ids)
            and not (key[0] == "shipment"
                     and str(fact.get("recorded", {}).get("data", {}).get("application_id"))
                     in app_ids)}


TABLES = (
    "military.summary", "military.by_category", "military.by_destination", "military.by_region",
    "military.top_destinations", "military.denials", "military.transit", "military.brokering",
    "general_licences", "general_licences_totals", "dual_use.by_type",
    "dual_use.top_destinations", "dual_use.denials", "dual_use.by_destination",
    "dual_use.by_category", "national", "anti_torture", "anti_torture_denials",
    "parliament_fast_track", "parliament.documents", "consultations", "consultations_share",
    "enforcement", "history",
)


def table(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """One table of a report by its dotted name; KeyError if there is none."""
    if name not in TABLES:
        raise KeyError(name)
    node: Any = doc
    for part in name.split("."):
        node = node[part]
    return list(node)
