"""The internal-consistency check every generated report must pass."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def check_consistency(doc: dict[str, Any]) -> None:
    """The per-category, per-destination and per-region tables each add up to the total."""
    mil = doc["military"]
    total = Decimal(mil["summary"][0]["total_value_eur"])
    assert sum(Decimal(r["value_eur"]) for r in mil["by_category"]) == total
    assert sum(Decimal(r["total_eur"]) for r in mil["by_destination"]) == total
    assert sum(Decimal(r["value_eur"]) for r in mil["by_region"]) == total
    for row in mil["by_destination"] + mil["transit"]:
        assert sum(Decimal(v) for v in row["values"].values()) == Decimal(row["total_eur"])
    s = mil["summary"][0]
    assert s["approved"] + s["denied"] <= s["applications"]
    assert s["approved_nato_eu_plus"] <= s["approved"]
    history = {h["year"]: h for h in doc["history"]}
    if doc["year"] in history:
        row = history[doc["year"]]
        assert Decimal(row["value_eur"]) == total
        assert row["applications"] == s["applications"]
        assert Decimal(row["eu_nato_plus_value_eur"]) + Decimal(row["other_value_eur"]) == total
