"""Checks a realisation (use) of a general licence against the licence's published conditions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from shared.reference.model import CountrySet, GeneralLicence
from shared.reference.ratings import (
    dual_use_family,
    entry_matches,
    valid_dual_use_entry,
    valid_military_rating,
)

if TYPE_CHECKING:
    from shared.reference.dataset import ReferenceData


def check(
    ref: ReferenceData,
    licence: GeneralLicence,
    *,
    direction: str,
    country: str,
    destination: str | None,
    ratings: Sequence[str],
    on: dt.date,
) -> list[str]:
    """Return human-readable flags for a use of `licence` outside its conditions on `on`."""
    flags: list[str] = []
    code = licence.code
    if direction not in licence.directions:
        flags.append(f"{code} does not cover {direction} (only {', '.join(licence.directions)})")

    if licence.country_role == "origin":
        if licence.origins is not None:
            flags += _country_flags(ref, licence, licence.origins, country, "goods coming from", on)
        if destination is None:
            flags.append(f"{code} is judged on the final destination, which is missing")
        else:
            flags += _country_flags(
                ref, licence, licence.destinations, destination, "final destination", on
            )
    else:
        # Both must be covered when the final destination differs from the country of delivery.
        for target in dict.fromkeys(c for c in (country, destination) if c is not None):
            flags += _country_flags(ref, licence, licence.destinations, target, "destination", on)

    for rating in ratings:
        flags += _rating_flags(ref, licence, rating)
    return flags


def _country_flags(
    ref: ReferenceData,
    licence: GeneralLicence,
    allowed: CountrySet,
    code: str,
    role: str,
    on: dt.date,
) -> list[str]:
    """Flag `code` if it is outside the country set `allowed` on `on`."""
    name = licence.code
    if not ref.is_country(code):
        return [f"{name}: {code} is not a known country code"]
    for excluded in allowed.excluded:
        if excluded.code == code and excluded.active(on):
            why = f" ({excluded.note})" if excluded.note else ""
            if excluded.since is not None:
                return [f"{name} no longer covers {role} {code} since {excluded.since}{why}"]
            return [f"{name} does not cover {role} {code}{why}"]
    if allowed.except_embargo is not None:
        embargo = ref.embargo_entry(code, on)
        if embargo is not None and embargo.kind == allowed.except_embargo:
            return [f"{name} does not cover {role} {code} ({embargo.reason})"]
    if allowed.any:
        return []
    if any(ref.in_group(group, code, on) for group in allowed.groups):
        return []
    if any(entry.code == code and entry.active(on) for entry in allowed.countries):
        return []
    return [f"{name} does not cover {role} {code} (covers: {allowed.description})"]


def _rating_flags(ref: ReferenceData, licence: GeneralLicence, rating: str) -> list[str]:
    """Flag a rating of goods that the licence's regime or item list does not cover."""
    name = licence.code
    if licence.regime == "military":
        if valid_military_rating(rating):
            return []
        return [f"{name} is a military licence; {rating} is not a military rating"]
    kind = licence.regime.replace("_", "-")
    if valid_military_rating(rating):
        return [f"{name} is a {kind} licence; {rating} is a military rating"]
    if not valid_dual_use_entry(rating):
        return [f"{name} is a {kind} licence; {rating} is not a dual-use entry"]
    family = dual_use_family(rating)
    if licence.regime == "dual_use" and family[2] == ref.regime_rule.national_digit:
        return [f"{name} covers Annex I items; {rating} is a national entry"]
    if licence.excludes_annex_iv and ref.is_annex_iv_dual_use(rating):
        return [f"{name} does not cover {rating} (Annex IV item)"]
    if licence.entries and not any(entry_matches(rating, item) for item in licence.entries):
        return [f"{name} does not cover {rating} (covers only {', '.join(licence.entries)})"]
    if licence.entry_groups and family[1] not in licence.entry_groups:
        groups = ", ".join(licence.entry_groups)
        return [f"{name} does not cover {rating} (covers only groups {groups})"]
    return []
