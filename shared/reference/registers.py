"""Registers an office maintains beside the published lists: certified recipients (Directive
2009/43/EC art. 9) and approved internal compliance programmes. Each is a versioned JSON file
with its source and dated entries; the path of the file in use is a setting of the service that
reads it, the packaged file is the default. Nothing is read at import time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from shared.reference.dataset import ReferenceDataError


def _folded(text: str) -> str:
    # A plain comparison of names: case and spacing do not make another company.
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class RegisterEntry:
    """One company on a register, from `since` until `until` (exclusive); None is open."""

    name: str
    country: str | None = None
    eori: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    note: str | None = None

    def active(self, on: dt.date) -> bool:
        """Whether the entry holds on `on`."""
        return (self.since is None or self.since <= on) and (self.until is None or on < self.until)


@dataclass(frozen=True)
class Register:
    """One version of a register: where it comes from, from when it is valid, its entries."""

    name: str
    source: str
    valid_from: dt.date
    version: str
    entries: tuple[RegisterEntry, ...]
    uncertain: bool = False

    def listing(self, *, name: str, country: str, on: dt.date) -> RegisterEntry | None:
        """The entry of a company by name and country on `on`, or None."""
        wanted = _folded(name)
        return next((e for e in self.entries if e.country == country
                     and _folded(e.name) == wanted and e.active(on)), None)

    def listing_of(self, eori: str, on: dt.date) -> RegisterEntry | None:
        """The entry of a company by EORI number on `on`, or None."""
        return next((e for e in self.entries if e.eori == eori and e.active(on)), None)


def load_register(name: str, path: Path | None = None) -> Register:
    """Register `name` from the file at `path`, or the packaged `data/<name>.json`."""
    try:
        if path is None:
            raw = resources.files(__package__).joinpath("data", f"{name}.json").read_bytes()
        else:
            raw = path.read_bytes()
        doc = json.loads(raw)
        return _register(name, doc)
    except FileNotFoundError:
        raise ReferenceDataError(f"missing register {name} ({path or 'packaged'})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"malformed register {name}: {exc!r}") from exc


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _register(name: str, doc: Mapping[str, Any]) -> Register:
    return Register(
        name=name, source=doc["source"], valid_from=dt.date.fromisoformat(doc["valid_from"]),
        version=str(doc["version"]), uncertain=doc.get("uncertain") is True,
        entries=tuple(RegisterEntry(name=e["name"], country=e.get("country"), eori=e.get("eori"),
                                    since=_date(e.get("from")), until=_date(e.get("until")),
                                    note=e.get("note"))
                      for e in doc["entries"]))
