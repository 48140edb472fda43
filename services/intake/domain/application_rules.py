"""What makes an application acceptable: parties, destinations, origins, goods and values.

The rules read the application as it would be recorded (an `ApplicationSubmitted` draft, every
default filled in). Each broken rule is a `FieldError` whose `loc` points into the request body
the way request validation does (`["body", "goods", 0, "rating"]`), so a caller sees every bad
field of a request at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from services.intake.domain.values import (
    CLOCK_SKEW,
    DESTINATION_GROUPS,
    EORI,
    MAX_AMOUNT,
    money,
)
from shared.clock import business_date
from shared.contracts.intake import ApplicationSubmitted
from shared.contracts.types import RegisterUsed
from shared.errors import FieldError
from shared.reference import (
    ReferenceData,
    valid_anti_torture_rating,
    valid_dual_use_entry,
    valid_military_rating,
)


def registers_used(app: ApplicationSubmitted, ref: ReferenceData) -> list[RegisterUsed]:
    """The versions of the lists an accepted application was judged on, beyond the usual."""
    if app.regime == "national":
        return [RegisterUsed(name="national_measures",
                             version=ref.sources["national_measures"].version)]
    return []


def goods_value(goods: Iterable[Mapping[str, Any]]) -> Decimal:
    """The value of an application: the sum of its goods lines."""
    return sum((money(str(line["value_eur"])) for line in goods), Decimal(0))


def application_errors(app: ApplicationSubmitted, ref: ReferenceData, *, now: dt.datetime
                       ) -> list[FieldError]:
    """Every way an application (already well formed) breaks the rules; empty when fine.

    Ratings are judged on the lists valid on the day the application was received.
    """
    errors: list[FieldError] = []
    if app.received_at > now + CLOCK_SKEW:
        errors.append(FieldError(("body", "received_at"), "lies in the future"))
    on = business_date(min(app.received_at, now))
    errors += _check_parties(app, ref)
    errors += _check_destinations(app, ref, on)
    errors += _check_origins(app, ref)
    errors += _check_transaction(app)
    errors += _check_goods(app, ref, on)
    errors += _check_values(app)
    if app.amends is not None and app.procedure == "sondage":
        errors.append(FieldError(("body", "amends"),
                                 "a sondage issues no licence, so it cannot amend one"))
    return errors


def _check_parties(app: ApplicationSubmitted, ref: ReferenceData) -> list[FieldError]:
    errors = []
    match = EORI.match(app.applicant.eori)
    if match is None or not ref.is_country(match["country"]):
        errors.append(FieldError(("body", "applicant", "eori"),
                                 "not an EORI number (a country code and up to 15 letters "
                                 "or digits, e.g. NL123456789)"))
    for name, country in (("end_user", app.end_user.country),
                          ("consignee", app.consignee.country if app.consignee else None)):
        if country is not None and not ref.is_country(country):
            errors.append(FieldError(("body", name, "country"),
                                     f"{country} is not an ISO 3166-1 country code"))
    return errors


def _check_destinations(app: ApplicationSubmitted, ref: ReferenceData, on: dt.date
                        ) -> list[FieldError]:
    errors = []
    destinations = app.destinations
    for i, code in enumerate(destinations):
        if not (ref.is_country(code) or code in DESTINATION_GROUPS):
            errors.append(FieldError(("body", "destinations", i),
                                     f"{code} is not an ISO 3166-1 country code or one of "
                                     f"{', '.join(DESTINATION_GROUPS)}"))
        elif code in destinations[:i]:
            errors.append(FieldError(("body", "destinations", i), f"{code} is listed twice"))
    group = app.destination_group
    if group is not None and app.licence_type != "global":
        errors.append(FieldError(("body", "destination_group"),
                                 "a destination group is only for global licences"))
    if app.transaction == "transfer":
        for i, code in enumerate(destinations):
            if code in DESTINATION_GROUPS and code != "EU":
                errors.append(FieldError(("body", "destinations", i),
                                         "a transfer goes only to EU member states"))
            elif ref.is_country(code) and not ref.is_eu(code, on):
                errors.append(FieldError(("body", "destinations", i),
                                         f"a transfer goes only to EU member states; {code} "
                                         "is not one (use transaction export)"))
        if group is not None and group != "EU":
            errors.append(FieldError(("body", "destination_group"),
                                     "a transfer goes only to EU member states"))
    return errors


def _check_origins(app: ApplicationSubmitted, ref: ReferenceData) -> list[FieldError]:
    errors = []
    if app.transaction in ("transit", "brokering") and not app.origins:
        errors.append(FieldError(("body", "origins"),
                                 f"at least one origin is required for {app.transaction}"))
    for i, code in enumerate(app.origins):
        if not ref.is_country(code):
            errors.append(FieldError(("body", "origins", i),
                                     f"{code} is not an ISO 3166-1 country code"))
    return errors


# Technical assistance is licensed for these regimes; import only for anti-torture goods.
TECHNICAL_ASSISTANCE = ("military", "dual_use", "anti_torture")


def _check_transaction(app: ApplicationSubmitted) -> list[FieldError]:
    if app.transaction == "technical_assistance" and app.regime not in TECHNICAL_ASSISTANCE:
        return [FieldError(("body", "transaction"),
                           "technical assistance is licensed for military, dual-use and "
                           "anti-torture goods, not under the national measures")]
    if app.transaction == "import" and app.regime != "anti_torture":
        return [FieldError(("body", "transaction"),
                           "import is licensed only for anti-torture goods")]
    return []


def _check_goods(app: ApplicationSubmitted, ref: ReferenceData, on: dt.date
                 ) -> list[FieldError]:
    errors = []
    museum = "museum" in app.end_use.lower()
    for i, line in enumerate(app.goods):
        at = ("body", "goods", i)
        if app.regime == "anti_torture":
            if line.annex is None:
                errors.append(FieldError((*at, "annex"),
                                         "required for anti-torture goods: II, III or IV"))
            elif line.annex == "II" and not museum:
                errors.append(FieldError((*at, "annex"),
                                         "Annex II goods are prohibited; the only exception "
                                         "is display in a museum, which end_use must state"))
        elif line.annex is not None:
            errors.append(FieldError((*at, "annex"), "only anti-torture goods have an annex"))
        if line.rating is None:
            if not app.catch_all:
                errors.append(FieldError((*at, "rating"),
                                         "required; it may be null only with catch_all"))
            continue
        message = _rating_problem(app.regime, line.rating, line.annex, ref, on)
        if message:
            errors.append(FieldError((*at, "rating"), message))
    return errors


def _rating_problem(regime: str, rating: str, annex: str | None, ref: ReferenceData,
                    on: dt.date) -> str | None:
    if regime == "national":
        if ref.national_entry(rating, on) is None:
            version = ref.sources["national_measures"].version
            return (f"{rating!r} is not an item of a Dutch national control list valid on "
                    f"{on} (national measures {version}; x9xx entries, e.g. 3B901)")
        return None
    if regime == "military" and not valid_military_rating(rating):
        return (f"{rating!r} is not a Common Military List rating "
                "(ML1..ML22 with sub-items, e.g. ML10c)")
    if regime == "dual_use" and not valid_dual_use_entry(rating):
        return f"{rating!r} is not an Annex I dual-use entry (e.g. 3B001, 5A002.a)"
    if regime == "anti_torture":
        if annex is None:
            return None  # the missing annex is reported on its own
        if not valid_anti_torture_rating(rating, annex):
            return (f"{rating!r} is not an item of anti-torture Annex {annex} "
                    f"(e.g. {annex}.1.1); rating and annex must agree")
    return None


def _check_values(app: ApplicationSubmitted) -> list[FieldError]:
    errors = []
    if app.transaction == "brokering":
        if app.service_value_eur is None:
            errors.append(FieldError(("body", "service_value_eur"),
                                     "required for brokering: the value of the service"))
    elif app.service_value_eur is not None:
        errors.append(FieldError(("body", "service_value_eur"), "only for brokering"))
    if app.value_eur > MAX_AMOUNT:
        errors.append(FieldError(("body", "goods"),
                                 f"the goods together exceed the limit of {MAX_AMOUNT} euros"))
    return errors
