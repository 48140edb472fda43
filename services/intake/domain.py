"""Intake's business rules, pure: what makes an application, realisation or shipment acceptable.

No FastAPI, SQLAlchemy or NATS here. Field errors carry a `loc` in the request body the way
request validation reports them (`["body", "goods", 0, "rating"]`), so a caller sees every bad
field of a request at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.reference import (
    ReferenceData,
    valid_anti_torture_rating,
    valid_dual_use_entry,
    valid_military_rating,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 13
DESTINATION_GROUPS = ("EU", "EU_NATO_PLUS")
# Callers' clocks drift: a business time up to this far ahead of ours is taken as "now".
CLOCK_SKEW = dt.timedelta(minutes=2)
PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?$")
EORI = re.compile(r"^(?P<country>[A-Z]{2})[A-Z0-9]{1,15}$")


@dataclass(frozen=True)
class FieldError:
    """One bad field: where it is in the request and what is wrong with it."""

    loc: tuple[str | int, ...]
    msg: str

    def as_dict(self) -> dict[str, Any]:
        """The `{loc, msg}` form of problem+json validation errors."""
        where = ".".join(str(p) for p in self.loc if p != "body")
        return {"loc": list(self.loc), "msg": f"{where}: {self.msg}", "type": "value_error"}


class InvalidRequest(Exception):
    """A request that is well formed but breaks the rules; names every bad field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(e.as_dict()["msg"] for e in errors))
        self.errors = list(errors)


def money(value: str | Decimal) -> Decimal:
    """A euro amount as Decimal, to the cent."""
    return Decimal(value).quantize(CENT)


def money_str(value: Decimal) -> str:
    """A euro amount as the wire's decimal string with two decimals."""
    return f"{value.quantize(CENT):f}"


def business_date(moment: dt.datetime) -> dt.date:
    """The calendar day of a business time in Europe/Amsterdam."""
    return moment.astimezone(AMSTERDAM).date()


# -- applications ------------------------------------------------------------------------------


def validate_application(
    app: Mapping[str, Any], ref: ReferenceData, *, now: dt.datetime
) -> list[FieldError]:
    """Every way an application (already well formed) breaks the rules; empty when fine."""
    errors: list[FieldError] = []
    received: dt.datetime = app.get("received_at") or now
    if received > now + CLOCK_SKEW:
        errors.append(FieldError(("body", "received_at"), "lies in the future"))
    on = business_date(min(received, now))
    errors += _check_parties(app, ref)
    errors += _check_destinations(app, ref, on)
    errors += _check_origins(app, ref)
    errors += _check_goods(app)
    errors += _check_values(app)
    if app.get("amends") is not None and app.get("procedure") == "sondage":
        errors.append(FieldError(("body", "amends"),
                                 "a sondage issues no licence, so it cannot amend one"))
    return errors


def _check_parties(app: Mapping[str, Any], ref: ReferenceData) -> list[FieldError]:
    errors = []
    eori = app["applicant"]["eori"]
    match = EORI.match(eori)
    if match is None or not ref.is_country(match["country"]):
        errors.append(FieldError(("body", "applicant", "eori"),
                                 "not an EORI number (a country code and up to 15 letters "
                                 "or digits, e.g. NL123456789)"))
    for party in ("end_user", "consignee"):
        data = app.get(party)
        if data is not None and not ref.is_country(data["country"]):
            errors.append(FieldError(("body", party, "country"),
                                     f"{data['country']} is not an ISO 3166-1 country code"))
    return errors


def _check_destinations(app: Mapping[str, Any], ref: ReferenceData, on: dt.date
                        ) -> list[FieldError]:
    errors = []
    destinations: list[str] = app["destinations"]
    for i, code in enumerate(destinations):
        if not (ref.is_country(code) or code in DESTINATION_GROUPS):
            errors.append(FieldError(("body", "destinations", i),
                                     f"{code} is not an ISO 3166-1 country code or one of "
                                     f"{', '.join(DESTINATION_GROUPS)}"))
        elif code in destinations[:i]:
            errors.append(FieldError(("body", "destinations", i), f"{code} is listed twice"))
    group = app.get("destination_group")
    if group is not None and app["licence_type"] != "global":
        errors.append(FieldError(("body", "destination_group"),
                                 "a destination group is only for global licences"))
    if app["transaction"] == "transfer":
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


def _check_origins(app: Mapping[str, Any], ref: ReferenceData) -> list[FieldError]:
    errors = []
    origins: list[str] = app.get("origins") or []
    if app["transaction"] in ("transit", "brokering") and not origins:
        errors.append(FieldError(("body", "origins"),
                                 f"at least one origin is required for {app['transaction']}"))
    for i, code in enumerate(origins):
        if not ref.is_country(code):
            errors.append(FieldError(("body", "origins", i),
                                     f"{code} is not an ISO 3166-1 country code"))
    return errors


def _check_goods(app: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    regime, catch_all = app["regime"], app.get("catch_all", False)
    museum = "museum" in app["end_use"].lower()
    for i, line in enumerate(app["goods"]):
        at = ("body", "goods", i)
        rating, annex = line.get("rating"), line.get("annex")
        if regime == "anti_torture":
            if annex is None:
                errors.append(FieldError((*at, "annex"),
                                         "required for anti-torture goods: II, III or IV"))
            elif annex == "II" and not museum:
                errors.append(FieldError((*at, "annex"),
                                         "Annex II goods are prohibited; the only exception "
                                         "is display in a museum, which end_use must state"))
        elif annex is not None:
            errors.append(FieldError((*at, "annex"), "only anti-torture goods have an annex"))
        if rating is None:
            if not catch_all:
                errors.append(FieldError((*at, "rating"),
                                         "required; it may be null only with catch_all"))
            continue
        message = _rating_problem(regime, rating, annex)
        if message:
            errors.append(FieldError((*at, "rating"), message))
    return errors


def _rating_problem(regime: str, rating: str, annex: str | None) -> str | None:
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


def _check_values(app: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    service_value = app.get("service_value_eur")
    if app["transaction"] == "brokering":
        if service_value is None:
            errors.append(FieldError(("body", "service_value_eur"),
                                     "required for brokering: the value of the service"))
    elif service_value is not None:
        errors.append(FieldError(("body", "service_value_eur"), "only for brokering"))
    total = sum((money(line["value_eur"]) for line in app["goods"]), Decimal(0))
    if total > MAX_AMOUNT:
        errors.append(FieldError(("body", "goods"),
                                 f"the goods together exceed the limit of {MAX_AMOUNT} euros"))
    return errors


def goods_value(goods: Sequence[Mapping[str, Any]]) -> Decimal:
    """The value of an application: the sum of its goods lines."""
    return sum((money(line["value_eur"]) for line in goods), Decimal(0))


# -- general-licence realisations --------------------------------------------------------------


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a reporting period, "2024" or "2024-Q3"."""
    match = PERIOD.match(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year = int(match["year"])
    if match["quarter"] is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    quarter = int(match["quarter"])
    first = dt.date(year, 3 * quarter - 2, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, after - dt.timedelta(days=1)


def realisation_check_date(period: str, today: dt.date) -> dt.date:
    """The day a realisation is judged on: the period's last day, or today if that is earlier.

    The use may have happened on any day of the period; the last day is the latest condition
    the exporter was bound by (a destination dropped during the period is flagged for review,
    as NL009 towards Israel after 12 February 2024), and conditions of days not yet come are
    not known.
    """
    return min(period_bounds(period)[1], today)


def validate_realisation(
    body: Mapping[str, Any], ref: ReferenceData, *, today: dt.date
) -> list[FieldError]:
    """Every way a realisation report is malformed beyond its shape (not its conditions)."""
    errors = []
    first, _last = period_bounds(body["period"])
    if first > today:
        errors.append(FieldError(("body", "period"), "lies in the future"))
    if first.year < 2000:
        errors.append(FieldError(("body", "period"), "lies before 2000"))
    eori = EORI.match(body["exporter"]["eori"])
    if eori is None or not ref.is_country(eori["country"]):
        errors.append(FieldError(("body", "exporter", "eori"),
                                 "not an EORI number (e.g. NL123456789)"))
    for name in ("country", "destination"):
        code = body.get(name)
        if code is not None and not ref.is_country(code):
            errors.append(FieldError(("body", name), f"{code} is not an ISO 3166-1 country code"))
    for i, rating in enumerate(body["ratings"]):
        if not (valid_military_rating(rating) or valid_dual_use_entry(rating)):
            errors.append(FieldError(("body", "ratings", i),
                                     f"{rating!r} is neither a military rating (ML10c) nor "
                                     "a dual-use entry (5A002.a)"))
    return errors


# -- shipments under a licence -----------------------------------------------------------------


@dataclass(frozen=True)
class LicenceState:
    """What a shipment is judged against: a licence's cover, validity, value and standing."""

    licence_number: str
    destinations: tuple[str, ...]
    destination_group: str | None
    value_eur: Decimal
    used_eur: Decimal
    valid_from: dt.date
    valid_until: dt.date
    revoked_on: dt.date | None = None
    suspensions: tuple[tuple[dt.date, dt.date | None], ...] = field(default_factory=tuple)
    superseded_by: str | None = None
    superseded_on: dt.date | None = None

    @property
    def left_eur(self) -> Decimal:
        """What may still be shipped."""
        return max(self.value_eur - self.used_eur, Decimal(0))


@dataclass(frozen=True)
class Refusal:
    """Why a shipment may not go under a licence: a stable code and plain words."""

    code: str
    reason: str


def covers(licence: LicenceState, country: str, on: dt.date, ref: ReferenceData) -> bool:
    """Whether a licence covers shipping to `country` on `on` (named, or by its group)."""
    if country in licence.destinations:
        return True
    groups = set(licence.destinations) & set(DESTINATION_GROUPS)
    if licence.destination_group:
        groups.add(licence.destination_group)
    if "EU" in groups and ref.is_eu(country, on):
        return True
    return "EU_NATO_PLUS" in groups and ref.is_nato_plus(country, on)


def judge_shipment(
    licence: LicenceState, *, shipped_on: dt.date, country: str, value_eur: Decimal,
    ref: ReferenceData,
) -> Refusal | None:
    """Whether a shipment fits its licence; the first reason it does not, else None."""
    n = licence.licence_number
    if licence.revoked_on is not None and shipped_on >= licence.revoked_on:
        return Refusal("revoked", f"licence {n} was revoked on {licence.revoked_on}")
    if licence.superseded_on is not None and shipped_on >= licence.superseded_on:
        return Refusal("superseded", f"licence {n} was replaced by {licence.superseded_by} on "
                                     f"{licence.superseded_on}; ship under that licence")
    for start, end in licence.suspensions:
        if start <= shipped_on and (end is None or shipped_on < end):
            until = f" until {end}" if end else ""
            return Refusal("suspended", f"licence {n} was suspended from {start}{until}")
    if not licence.valid_from <= shipped_on <= licence.valid_until:
        return Refusal("outside_validity",
                       f"licence {n} is valid from {licence.valid_from} to "
                       f"{licence.valid_until}, not on {shipped_on}")
    if not covers(licence, country, shipped_on, ref):
        cover = ", ".join(licence.destinations)
        if licence.destination_group:
            cover += f" (group {licence.destination_group})"
        return Refusal("country_not_covered", f"licence {n} does not cover {country}; "
                                              f"it covers {cover}")
    if value_eur > licence.value_eur - licence.used_eur:
        return Refusal("value_exceeded",
                       f"the shipment of {money_str(value_eur)} EUR exceeds what is left "
                       f"under licence {n}: {money_str(licence.left_eur)} of "
                       f"{money_str(licence.value_eur)} EUR")
    return None
