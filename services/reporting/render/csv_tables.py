"""One report table as CSV: nested values become columns, lists are joined."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.reporting.domain.applications import category_order

# Columns of each table, so that an empty table still has its header.
_DENIAL = ["destination", "description", "quantity", "recipient", "end_user", "decided_on",
           "criteria", "procedure", "grounds"]
COLUMNS: dict[str, list[str]] = {
    "military.summary": ["applications", "approved", "approved_nato_eu_plus", "denied",
                         "denial_rate_pct", "total_value_eur"],
    "military.by_category": ["category", "value_eur"],
    "military.by_destination": ["destination", "values", "total_eur"],
    "military.by_region": ["region", "value_eur", "share_pct"],
    "military.top_destinations": ["destination", "value_eur", "share_pct"],
    "military.denials": _DENIAL,
    "military.transit": ["destination", "values", "total_eur"],
    "military.brokering": ["destination", "origin", "ratings", "description",
                           "service_value_eur"],
    "general_licences": ["licence", "direction", "country", "value_eur", "categories",
                         "flagged", "flag_codes", "flag_reasons"],
    "general_licences_totals": ["licence", "value_eur"],
    "dual_use.by_type": ["type", "issued", "issued_value_eur", "denied", "denied_value_eur"],
    "dual_use.top_destinations": ["country", "value_eur"],
    "dual_use.denials": _DENIAL,
    "dual_use.by_destination": ["destination", "licences", "value_eur"],
    "dual_use.by_category": ["category", "name", "licences", "value_eur"],
    "national": ["regime", "issued", "issued_value_eur", "denied", "denied_value_eur"],
    "anti_torture": ["annex", "licences", "value_eur", "destinations", "end_uses"],
    "anti_torture_denials": _DENIAL,
    "parliament_fast_track": ["licence_number", "destination", "description", "value_eur",
                              "decided_on", "due_by", "sent_on"],
    "parliament.documents": ["sent_on", "kind", "reference", "destination", "licence_numbers",
                             "explanation"],
    "consultations": ["started", "received"],
    "consultations_share": ["year", "started", "received", "netherlands", "eu_total",
                            "share_pct", "source"],
    "enforcement": ["referred", "concluded", "no_action", "warning", "fine", "prosecution",
                    "open_at_year_end"],
    "history": ["year", "value_eur", "eu_nato_plus_value_eur", "other_value_eur",
                "applications", "denied", "denial_rate_pct", "source"],
    "monthly.licences": ["licence_number", "decided_on", "regime", "licence_type",
                         "transaction", "destination", "destinations", "description",
                         "ratings", "goods_withheld", "value_eur"],
    "submissions.eu": ["destination", "category", "licences_issued", "value_eur", "denials",
                       "criteria"],
    "submissions.att": ["destination", "category", "ml_categories", "licences", "items",
                        "value_eur"],
}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def to_csv(name: str, rows: list[dict[str, Any]]) -> str:
    """The table as CSV text; a dict column (values per ML category) spreads into one per key."""
    columns = COLUMNS.get(name) or (list(rows[0]) if rows else [])
    header: list[str] = []
    spread: dict[str, list[str]] = {}
    for col in columns:
        if col == "values":
            keys = sorted({k for r in rows for k in (r.get(col) or {})}, key=category_order)
            spread[col] = keys
            header.extend(keys)
        else:
            header.append(col)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        line: list[str] = []
        for col in columns:
            if col in spread:
                line.extend(_cell((row.get(col) or {}).get(k, "0.00")) for k in spread[col])
            else:
                line.append(_cell(row.get(col)))
        writer.writerow(line)
    return out.getvalue()
