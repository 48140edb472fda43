"""The loaded reference data set and its date-aware queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from shared.reference.model import (
    DatedList,
    Embargo,
    GeneralLicence,
    NationalEntry,
    RegimeRule,
    SourceInfo,
)
from shared.reference.ratings import dual_use_family, entry_matches, ml_category

_EMBARGO_SEVERITY = ("full", "partial", "osce")


class ReferenceDataError(Exception):
    """The reference data files are missing, malformed or inconsistent."""


class UnknownGeneralLicence(LookupError):
    """No general licence with this code exists in the reference data."""


class UnknownRegime(LookupError):
    """No export-control regime with this name exists in the reference data."""


@dataclass(frozen=True)
class ReferenceData:
    """One version of the reference data; every query about a dated fact takes the date `on`."""

    version: str
    sources: Mapping[str, SourceInfo]
    countries: Mapping[str, str]
    memberships: Mapping[str, DatedList]
    regimes: Mapping[str, DatedList]
    regime_rule: RegimeRule
    embargoes: tuple[Embargo, ...]
    death_penalty: DatedList
    regions: Mapping[str, str]
    military_categories: Mapping[str, str]
    annex_iv_entries: tuple[str, ...]
    general_licences: Mapping[str, GeneralLicence]
    directions: tuple[str, ...]
    fast_track_threshold_eur: Decimal
    fast_track_days: int
    denial_validity_years: int
    consultation_days: int
    national_entries: tuple[NationalEntry, ...]

    # -- countries and memberships -------------------------------------------------------------

    def is_country(self, code: str) -> bool:
        """Tell whether `code` is an assigned ISO 3166-1 alpha-2 code (or XK, Kosovo)."""
        return code in self.countries

    def country_name(self, code: str) -> str:
        """Return the English short name of a country code."""
        return self.countries[code]

    def members(self, group: str, on: dt.date) -> frozenset[str]:
        """Return the members of a membership group (EU, NATO, CDIU_EXCEPTIONS, ...) on `on`."""
        try:
            return self.memberships[group].members(on)
        except KeyError:
            raise LookupError(f"unknown membership group: {group!r}") from None

    def in_group(self, group: str, code: str, on: dt.date) -> bool:
        """Tell whether `code` belongs to membership group `group` on `on`."""
        return code in self.members(group, on)

    def is_eu(self, code: str, on: dt.date) -> bool:
        """Tell whether `code` is an EU member state on `on`."""
        return self.in_group("EU", code, on)

    def is_nato(self, code: str, on: dt.date) -> bool:
        """Tell whether `code` is a NATO member on `on`."""
        return self.in_group("NATO", code, on)

    def is_nato_plus(self, code: str, on: dt.date) -> bool:
        """Tell whether `code` is in the EU, NATO or NATO+ (AU, JP, NZ, CH) on `on`."""
        return any(self.in_group(g, code, on) for g in ("EU", "NATO", "NATO_PLUS_EXTRA"))

    def is_cdiu_exception(self, code: str, on: dt.date | None = None) -> bool:
        """Tell whether `code` goes to the MFA despite EU/NATO membership (Cyprus, Turkey)."""
        entries = self.memberships["CDIU_EXCEPTIONS"].entries
        return any(e.code == code and (on is None or e.active(on)) for e in entries)

    # -- export-control regimes ----------------------------------------------------------------

    def regime_members(self, regime: str, on: dt.date) -> frozenset[str]:
        """Return the participants of regime WA, NSG, AG or MTCR on `on`."""
        try:
            return self.regimes[regime].members(on)
        except KeyError:
            raise UnknownRegime(f"no member list for regime {regime!r}") from None

    def controlling_regime(self, entry: str) -> str:
        """Return the regime controlling an Annex I entry: NSG, WA, MTCR, AG, CWC or NATIONAL."""
        family = dual_use_family(entry)
        rule = self.regime_rule
        # National x9xx numbering wins: national lists are outside every regime, category 0 too.
        if family[2] == rule.national_digit:
            return rule.by_third_character[rule.national_digit]
        if family[0] == "0":
            return rule.category_0
        try:
            return rule.by_third_character[family[2]]
        except KeyError:
            raise ValueError(f"no regime for entry {entry!r}") from None

    def is_annex_iv_dual_use(self, entry: str) -> bool:
        """Tell whether a dual-use entry is in Annex IV (licence needed even inside the EU)."""
        dual_use_family(entry)  # validates the format
        return any(entry_matches(entry, item) for item in self.annex_iv_entries)

    # -- embargoes, death penalty, regions -----------------------------------------------------

    def embargo_entry(self, code: str, on: dt.date) -> Embargo | None:
        """Return the most severe embargo on `code` in force on `on` (its reason included)."""
        active = [e for e in self.embargoes if e.code == code and e.active(on)]
        return min(active, key=lambda e: _EMBARGO_SEVERITY.index(e.kind), default=None)

    def embargo(self, code: str, on: dt.date) -> str | None:
        """Return ``full``, ``partial`` or ``osce`` for an embargo on `code` on `on`, else None."""
        entry = self.embargo_entry(code, on)
        return entry.kind if entry else None

    def keeps_death_penalty(self, code: str, on: dt.date) -> bool:
        """Tell whether `code` keeps the death penalty on `on` (anti-torture routing to MFA)."""
        return self.death_penalty.contains(code, on)

    def region(self, code: str) -> str | None:
        """Return the annual-report region of a country or destination group; None if unplaced.

        ``EU`` and ``EU_NATO_PLUS`` are "European Union/NATO+", ``VARIOUS`` is "Global".
        Codes without a region (e.g. overseas territories) give None rather than a guess.
        """
        return self.regions.get(code)

    # -- goods ---------------------------------------------------------------------------------

    def military_category_name(self, rating: str) -> str:
        """Return the name of the ML category of a rating (``ML10c`` -> aircraft, ...)."""
        return self.military_categories[ml_category(rating)]

    def national_entry(self, rating: str, on: dt.date) -> NationalEntry | None:
        """The item of a Dutch national control list a rating falls under on `on` (the item or
        one of its sub-items), or None."""
        return next((e for e in self.national_entries
                     if entry_matches(rating, e.code) and e.active(on)), None)

    # -- general licences ----------------------------------------------------------------------

    def general_licence_codes(self) -> tuple[str, ...]:
        """Return the codes of all known general licences, sorted."""
        return tuple(sorted(self.general_licences))

    def general_licence(self, code: str) -> GeneralLicence:
        """Return the conditions of general licence `code`."""
        try:
            return self.general_licences[code]
        except KeyError:
            raise UnknownGeneralLicence(f"unknown general licence: {code!r}") from None
