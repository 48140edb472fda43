"""The conditions of a general licence, applied to one use of it (a realisation).

The conditions themselves are reference data (`shared.reference`: which directions, countries,
groups and goods each general licence covers, as of which day); judging a use against them is
intake's rule. A use outside them is flagged, never refused: each flag is a stable code and a
sentence for the people who review it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from shared.contracts.intake import Flag
from shared.errors import NotFound
from shared.reference import CountrySet, GeneralLicence, ReferenceData, UnknownGeneralLicence
from shared.reference.ratings import (
    dual_use_family,
    entry_matches,
    valid_dual_use_entry,
    valid_military_rating,
)

Role = Literal["destination", "final destination", "goods coming from"]


def general_licence(ref: ReferenceData, code: str) -> GeneralLicence:
    """The general licence of this code, or NotFound naming the known ones."""
    try:
        return ref.general_licence(code)
    except UnknownGeneralLicence:
        known = ", ".join(ref.general_licence_codes())
        raise NotFound(f"no general licence {code!r}; known: {known}",
                       code="unknown-general-licence",
                       errors=[{"loc": ["path", "code"], "msg": f"code: unknown {code!r}"}],
                       ) from None


def check(ref: ReferenceData, licence: GeneralLicence, *, direction: str, country: str,
          destination: str | None, ratings: Sequence[str], on: dt.date) -> list[Flag]:
    """The flags of a use of `licence` outside its conditions on `on`; empty when within.

    `country` is the destination, or the origin for transit licences whose country role is
    ``origin`` (NL007, NL008); `destination` is the final destination.
    """
    flags: list[Flag] = []
    code = licence.code
    if direction not in licence.directions:
        flags.append(Flag(code="direction-not-covered",
                          text=f"{code} does not cover {direction} "
                               f"(only {', '.join(licence.directions)})"))
    if licence.country_role == "origin":
        if licence.origins is not None:
            flags += _country_flags(ref, licence, licence.origins, country,
                                    "goods coming from", on)
        if destination is None:
            flags.append(Flag(code="final-destination-missing",
                              text=f"{code} is judged on the final destination, which is "
                                   "missing"))
        else:
            flags += _country_flags(ref, licence, licence.destinations, destination,
                                    "final destination", on)
    else:
        # Both must be covered when the final destination differs from the country of delivery.
        for target in dict.fromkeys(c for c in (country, destination) if c is not None):
            flags += _country_flags(ref, licence, licence.destinations, target, "destination",
                                    on)
    for rating in ratings:
        flags += _rating_flags(ref, licence, rating)
    return flags


def _country_flags(ref: ReferenceData, licence: GeneralLicence, allowed: CountrySet,
                   country: str, role: Role, on: dt.date) -> list[Flag]:
    """A flag when `country` is outside the country set `allowed` on `on`."""
    name = licence.code
    outside = "origin-not-covered" if role == "goods coming from" else "destination-not-covered"
    if not ref.is_country(country):
        return [Flag(code="unknown-country", text=f"{name}: {country} is not a known country code")]
    for excluded in allowed.excluded:
        if excluded.code == country and excluded.active(on):
            why = f" ({excluded.note})" if excluded.note else ""
            if excluded.since is not None:
                return [Flag(code="licence-not-valid-on-date",
                             text=f"{name} no longer covers {role} {country} since "
                                  f"{excluded.since}{why}")]
            return [Flag(code=outside, text=f"{name} does not cover {role} {country}{why}")]
    if allowed.except_embargo is not None:
        embargo = ref.embargo_entry(country, on)
        if embargo is not None and embargo.kind == allowed.except_embargo:
            return [Flag(code=outside,
                         text=f"{name} does not cover {role} {country} ({embargo.reason})")]
    if allowed.any:
        return []
    if any(ref.in_group(group, country, on) for group in allowed.groups):
        return []
    if any(entry.code == country and entry.active(on) for entry in allowed.countries):
        return []
    return [Flag(code=outside,
                 text=f"{name} does not cover {role} {country} (covers: {allowed.description})")]


def _rating_flags(ref: ReferenceData, licence: GeneralLicence, rating: str) -> list[Flag]:
    """A flag when the licence's regime or item list does not cover goods of this rating."""
    text = _rating_problem(ref, licence, rating)
    return [] if text is None else [Flag(code="rating-not-covered", text=text)]


def _rating_problem(ref: ReferenceData, licence: GeneralLicence, rating: str) -> str | None:
    name = licence.code
    if licence.regime == "military":
        if valid_military_rating(rating):
            return None
        return f"{name} is a military licence; {rating} is not a military rating"
    kind = licence.regime.replace("_", "-")
    if valid_military_rating(rating):
        return f"{name} is a {kind} licence; {rating} is a military rating"
    if not valid_dual_use_entry(rating):
        return f"{name} is a {kind} licence; {rating} is not a dual-use entry"
    family = dual_use_family(rating)
    if licence.regime == "dual_use" and family[2] == ref.regime_rule.national_digit:
        return f"{name} covers Annex I items; {rating} is a national entry"
    if licence.excludes_annex_iv and ref.is_annex_iv_dual_use(rating):
        return f"{name} does not cover {rating} (Annex IV item)"
    if licence.entries and not any(entry_matches(rating, item) for item in licence.entries):
        return f"{name} does not cover {rating} (covers only {', '.join(licence.entries)})"
    if licence.entry_groups and family[1] not in licence.entry_groups:
        groups = ", ".join(licence.entry_groups)
        return f"{name} does not cover {rating} (covers only groups {groups})"
    return None
