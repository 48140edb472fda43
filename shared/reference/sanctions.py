"""Sanctions on goods beyond arms embargoes, dated and versioned (`data/goods_sanctions.json`):
which listed goods EU restrictive measures ban exporting to a destination on a day.

A data query, shared so that every service screening a case, a realisation or a shipment
reads the same lists; what a ban does to each of them is that service's rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shared.reference.dataset import ReferenceDataError
from shared.reference.ratings import dual_use_family, entry_matches, valid_dual_use_entry

EVERY_DUAL_USE_ITEM = "dual_use:*"
NATIONAL_DIGIT = "9"  # national x9xx entries are outside Annex I


@dataclass(frozen=True)
class GoodsSanction:
    """One ban: the goods it lists, to a destination, by a regulation's article or annex."""

    destination: str
    regulation: str
    annex: str
    items: tuple[str, ...]
    reason: str
    since: dt.date
    until: dt.date | None = None

    def active(self, on: dt.date) -> bool:
        """Whether the ban holds on `on`."""
        return self.since <= on and (self.until is None or on < self.until)

    def item_of(self, rating: str) -> str | None:
        """The listed item a rating falls under, if any (`dual_use:*`, an entry, a CN code)."""
        for item in self.items:
            if item == EVERY_DUAL_USE_ITEM:
                if valid_dual_use_entry(rating) and dual_use_family(rating)[2] != NATIONAL_DIGIT:
                    return item
            elif item.startswith("cn:"):
                if rating.startswith(item):  # a goods line given by its CN code
                    return item
            elif entry_matches(rating, item):
                return item
        return None


@dataclass(frozen=True)
class GoodsSanctions:
    """Every ban of one version of the data file."""

    version: str
    source: str
    valid_from: dt.date
    sanctions: tuple[GoodsSanction, ...]

    def bans(self, destination: str, rating: str, on: dt.date) -> list[tuple[GoodsSanction, str]]:
        """The bans in force on `on` that list goods of this rating for this destination, each
        with the item it lists them as."""
        found = []
        for ban in self.sanctions:
            if ban.destination == destination and ban.active(on):
                item = ban.item_of(rating)
                if item is not None:
                    found.append((ban, item))
        return found


@functools.lru_cache(maxsize=4)
def load_goods_sanctions(path: Path | None = None) -> GoodsSanctions:
    """The goods sanctions from `path` (default: the packaged data file)."""
    source = (resources.files(__package__).joinpath("data", "goods_sanctions.json")
              if path is None else path)
    try:
        doc = json.loads(source.read_bytes())
        return GoodsSanctions(
            version=str(doc["version"]), source=doc["source"],
            valid_from=dt.date.fromisoformat(doc["valid_from"]),
            sanctions=tuple(GoodsSanction(
                destination=s["destination"], regulation=s["regulation"], annex=s["annex"],
                items=tuple(s["items"]), reason=s["reason"],
                since=dt.date.fromisoformat(s["valid_from"]),
                until=dt.date.fromisoformat(s["valid_until"]) if s.get("valid_until") else None)
                for s in doc["sanctions"]))
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"malformed goods sanctions: {exc!r}") from exc
