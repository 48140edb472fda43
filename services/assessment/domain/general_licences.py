"""The screening hint "a general licence seems to cover this": judged over the reference
data's published conditions (which directions, countries and goods a licence covers on a day).

A hint, not a ruling: the exporter decides whether to use the general licence, and intake
judges each reported use of one by its own rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from services.assessment.domain.routing import named_destinations, received_on
from shared.contracts.assessment import CaseApplication, GeneralLicenceHint
from shared.reference import (
    CountrySet,
    GeneralLicence,
    ReferenceData,
    dual_use_family,
    valid_dual_use_entry,
    valid_military_rating,
)
from shared.reference.ratings import entry_matches

HINT = "the transaction seems to fall under this general licence"


def general_licence_hints(app: CaseApplication, ref: ReferenceData) -> list[GeneralLicenceHint]:
    """The general licences of the application's regime whose conditions its transaction meets."""
    ratings = [g.rating for g in app.goods if g.rating]
    destinations = named_destinations(app)
    if app.regime not in ("military", "dual_use") or not destinations or not ratings:
        return []
    on = received_on(app)
    hints = []
    for code in ref.general_licence_codes():
        licence = ref.general_licence(code)
        if licence.regime != app.regime:
            continue
        try:
            covered = all(_covers(ref, licence, app.transaction, app.origins, dest, ratings, on)
                          for dest in destinations)
        except LookupError:  # a condition naming a group the data does not hold: no hint
            continue
        if covered:
            hints.append(GeneralLicenceHint(code=code, covers=licence.covers, note=HINT))
    return hints


def _covers(ref: ReferenceData, licence: GeneralLicence, direction: str, origins: Sequence[str],
            destination: str, ratings: Sequence[str], on: dt.date) -> bool:
    """Whether a licence covers shipping these goods in this direction to `destination`."""
    if direction not in licence.directions:
        return False
    if not all(covers_goods(ref, licence, rating) for rating in ratings):
        return False
    if licence.country_role == "origin":
        # A transit licence is judged on where the goods come from and where they end up.
        return bool(origins) and all(
            (licence.origins is None or covers_country(ref, licence.origins, origin, on))
            and covers_country(ref, licence.destinations, destination, on)
            for origin in origins)
    return covers_country(ref, licence.destinations, destination, on)


def covers_country(ref: ReferenceData, allowed: CountrySet, code: str, on: dt.date) -> bool:
    """Whether a licence's country set holds `code` on `on` (exclusions and embargoes first)."""
    if not ref.is_country(code):
        return False
    if any(excluded.code == code and excluded.active(on) for excluded in allowed.excluded):
        return False
    if allowed.except_embargo is not None:
        embargo = ref.embargo_entry(code, on)
        if embargo is not None and embargo.kind == allowed.except_embargo:
            return False
    return (allowed.any or any(ref.in_group(group, code, on) for group in allowed.groups)
            or any(entry.code == code and entry.active(on) for entry in allowed.countries))


def covers_goods(ref: ReferenceData, licence: GeneralLicence, rating: str) -> bool:
    """Whether a rating is among the goods a licence covers (its regime and item lists)."""
    if licence.regime == "military":
        return valid_military_rating(rating)
    if valid_military_rating(rating) or not valid_dual_use_entry(rating):
        return False
    family = dual_use_family(rating)
    if licence.regime == "dual_use" and family[2] == ref.regime_rule.national_digit:
        return False
    if licence.excludes_annex_iv and ref.is_annex_iv_dual_use(rating):
        return False
    if licence.entries and not any(entry_matches(rating, item) for item in licence.entries):
        return False
    return not (licence.entry_groups and family[1] not in licence.entry_groups)
