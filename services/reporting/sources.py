"""What the reports read beside the facts: the published series of earlier years, and the
destination policies that shape the monthly overview. Read once when the service starts."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.reporting.domain.history import PublishedYear, published_series
from services.reporting.domain.monthly import OverviewPolicy
from shared import reference

log = logging.getLogger(__name__)

HISTORY_CSV = Path(__file__).parent / "data" / "history.csv"
POLICIES_JSON = Path(reference.__file__).parent / "data" / "destination_policies.json"
# The policy entry's field that asks for overviews without detail about the goods.
OVERVIEW_FIELD, WITHOUT_GOODS = "overview", "without_goods"


@dataclass(frozen=True)
class Sources:
    """The published history series and the overview policies."""

    published: tuple[PublishedYear, ...] = ()
    policies: tuple[OverviewPolicy, ...] = ()


def overview_policies(data: Any) -> tuple[OverviewPolicy, ...]:
    """The policies of a destination-policies document (`{"policies": [...]}` or a list) that
    ask for overviews without detail about the goods."""
    entries = data.get("policies", []) if isinstance(data, dict) else data
    out = []
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get(OVERVIEW_FIELD) != WITHOUT_GOODS:
            continue
        until = entry.get("valid_until")
        out.append(OverviewPolicy(
            destination=str(entry["destination"]),
            valid_from=dt.date.fromisoformat(str(entry.get("valid_from") or "1900-01-01")),
            valid_until=dt.date.fromisoformat(str(until)) if until else None,
            source=str(entry.get("source") or "")))
    return tuple(out)


def load_sources(history_csv: Path | None = None, policies_json: Path | None = None) -> Sources:
    """Read the series and the policies (a missing policies file means no policy, said once)."""
    published = tuple(published_series((history_csv or HISTORY_CSV).read_text(encoding="utf-8")))
    path = policies_json or POLICIES_JSON
    policies: tuple[OverviewPolicy, ...] = ()
    if path.exists():
        policies = overview_policies(json.loads(path.read_text(encoding="utf-8")))
    else:
        log.warning("no destination policies at %s: monthly overviews show every licence's "
                    "goods", path)
    return Sources(published=published, policies=policies)
