"""Immutable value types of the reference data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DatedCode:
    """A country code valid from `since` (inclusive) until `until` (exclusive); None is open."""

    code: str
    since: dt.date | None = None
    until: dt.date | None = None
    note: str | None = None
    uncertain: bool = False

    def active(self, on: dt.date) -> bool:
        """Tell whether the entry holds on `on`."""
        return (self.since is None or self.since <= on) and (self.until is None or on < self.until)


@dataclass(frozen=True)
class DatedList:
    """A named list of dated country codes, such as NATO with accession dates."""

    name: str
    description: str
    entries: tuple[DatedCode, ...]

    def members(self, on: dt.date) -> frozenset[str]:
        """Return the codes on the list on `on`."""
        return frozenset(e.code for e in self.entries if e.active(on))

    def entry(self, code: str, on: dt.date) -> DatedCode | None:
        """Return the entry for `code` active on `on`, if any."""
        return next((e for e in self.entries if e.code == code and e.active(on)), None)

    def contains(self, code: str, on: dt.date) -> bool:
        """Tell whether `code` is on the list on `on`."""
        return self.entry(code, on) is not None


@dataclass(frozen=True)
class Embargo:
    """An arms embargo on a country: kind ``full``, ``partial`` or ``osce``."""

    code: str
    kind: str
    source: str
    since: dt.date | None = None
    until: dt.date | None = None
    note: str | None = None
    uncertain: bool = False

    @property
    def reason(self) -> str:
        """Return a human-readable reason, e.g. for a flag or a refusal."""
        text = f"{self.kind} arms embargo on {self.code} ({self.source})"
        return f"{text}; {self.note}" if self.note else text

    def active(self, on: dt.date) -> bool:
        """Tell whether the embargo is in force on `on`."""
        return (self.since is None or self.since <= on) and (self.until is None or on < self.until)


@dataclass(frozen=True)
class RegimeRule:
    """How an Annex I entry maps to the export-control regime that controls it."""

    category_0: str
    national_digit: str
    by_third_character: Mapping[str, str]


@dataclass(frozen=True)
class CountrySet:
    """Countries a general licence allows: any, or groups plus countries, minus exclusions.

    `for_directions` adds countries allowed only in some directions (NL009: transit to BH).
    """

    description: str
    any: bool = False
    groups: tuple[str, ...] = ()
    countries: tuple[DatedCode, ...] = ()
    excluded: tuple[DatedCode, ...] = ()
    except_embargo: str | None = None
    uncertain: bool = False
    for_directions: Mapping[str, tuple[DatedCode, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class GeneralLicence:
    """Published conditions of a general licence (NL003..NL009, EU001..EU008, NL900)."""

    code: str
    regime: str
    covers: str
    directions: tuple[str, ...]
    country_role: str
    destinations: CountrySet
    origins: CountrySet | None = None
    excludes_annex_iv: bool = False
    entries: tuple[str, ...] = ()
    entry_groups: tuple[str, ...] = ()
    uncertain: bool = False
    note: str | None = None
    # The register a recipient must be listed in on the day of use (NL004: certified_recipients).
    recipient_register: str | None = None
    # The first and last day the licence itself exists (NL900 from 2024-12-01); None is open.
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def valid_on(self, on: dt.date) -> bool:
        """Whether the general licence exists on `on`."""
        return ((self.valid_from is None or self.valid_from <= on)
                and (self.valid_until is None or on <= self.valid_until))


@dataclass(frozen=True)
class NationalEntry:
    """An item of a Dutch national control list (x9xx numbering), on the list from `since`."""

    code: str
    measure: str
    description: str
    since: dt.date | None = None
    until: dt.date | None = None

    def active(self, on: dt.date) -> bool:
        """Whether the item is on its list on `on`."""
        return (self.since is None or self.since <= on) and (self.until is None or on < self.until)


@dataclass(frozen=True)
class SourceInfo:
    """Provenance of one data file."""

    name: str
    source: str
    valid_from: dt.date
    version: str
    uncertain: bool = False
