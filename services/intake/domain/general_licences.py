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
          destination: str | None, origin: str | None, ratings: Sequence[str], on: dt.date
          ) -> list[Flag]:
    """The flags of a use of `licence` outside its own conditions on `on`; empty when within.

    `country` is the destination, or the origin for a licence whose country role is ``origin``
    (NL008, reported by origin); `destination` is the final destination, judged where given;
    `origin` is where the goods come from, judged where given against a licence's origin
    condition (NL007).
    """
    flags: list[Flag] = []
    code = licence.code
    if not licence.valid_on(on):
        period = " ".join(part for part in (
            f"from {licence.valid_from}" if licence.valid_from else "",
            f"to {licence.valid_until}" if licence.valid_until else "") if part)
        flags.append(Flag(code="licence-not-valid-on-date",
                          text=f"{code} is valid {period}, not on {on}"))
    if direction not in licence.directions:
        flags.append(Flag(code="direction-not-covered",
                          text=f"{code} does not cover {direction} "
                               f"(only {', '.join(licence.directions)})"))
    judged: list[tuple[CountrySet, str, Role]] = []
    if licence.country_role == "origin":
        if licence.origins is not None:
            judged.append((licence.origins, country, "goods coming from"))
        if destination is not None:
            judged.append((licence.destinations, destination, "final destination"))
    else:
        # Both must be covered when the final destination differs from the country of delivery.
        judged += [(licence.destinations, target, "destination")
                   for target in dict.fromkeys(c for c in (country, destination) if c)]
        if origin is not None and licence.origins is not None:
            judged.append((licence.origins, origin, "goods coming from"))
    for allowed, target, role in judged:
        flags += _country_flags(ref, licence, allowed, target, role, direction, on)
    for rating in ratings:
        flags += _rating_flags(ref, licence, rating)
    return flags


def destinations_of(licence: GeneralLicence, *, country: str, destination: str | None
                    ) -> list[str]:
    """Where the goods of a use go: `country` (unless it is the origin) and the final
    destination where given."""
    targets = [] if licence.country_role == "origin" else [country]
    return list(dict.fromkeys([*targets, *([destination] if destination else [])]))


def _country_flags(ref: ReferenceData, licence: GeneralLicence, allowed: CountrySet,
                   country: str, role: Role, direction: str, on: dt.date) -> list[Flag]:
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
    entries = (*allowed.countries, *allowed.for_directions.get(direction, ()))
    if any(entry.code == country and entry.active(on) for entry in entries):
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
    national = family[2] == ref.regime_rule.national_digit
    if licence.regime == "dual_use" and national:
        return f"{name} covers Annex I items; {rating} is a national entry"
    if licence.regime == "national" and not national:
        return f"{name} covers national entries (x9xx); {rating} is an Annex I item"
    if licence.excludes_annex_iv and ref.is_annex_iv_dual_use(rating):
        return f"{name} does not cover {rating} (Annex IV item)"
    if licence.entries and not any(entry_matches(rating, item) for item in licence.entries):
        return f"{name} does not cover {rating} (covers only {', '.join(licence.entries)})"
    if licence.entry_groups and family[1] not in licence.entry_groups:
        groups = ", ".join(licence.entry_groups)
        return f"{name} does not cover {rating} (covers only groups {groups})"
    return None
