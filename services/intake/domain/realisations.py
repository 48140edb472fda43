"""Realisations: reports of the use of a general licence in a period, stored always and flagged
when outside the licence's conditions as they stood on the day they are judged on."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.intake.domain.catch_all import Requirement, requirement_flags
from services.intake.domain.general_licences import check, destinations_of, general_licence
from services.intake.domain.prerequisites import Registers, recipient_flags
from services.intake.domain.registrations import Registration, registered
from services.intake.domain.sanctions import sanction_flags, sanctions_used
from services.intake.domain.values import EORI
from shared.contracts.intake import Flag, RealisationReported
from shared.contracts.types import Company, Consignee, RegisterUsed
from shared.errors import FieldError, Invalid
from shared.reference import ReferenceData, valid_dual_use_entry, valid_military_rating
from shared.reference.sanctions import GoodsSanctions

PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?\Z")


@dataclass(frozen=True)
class ReportRealisation:
    """Customs reports a use of general licence `code` in a period."""

    realisation_id: str
    code: str
    exporter: Company
    period: str
    direction: str
    country: str
    destination: str | None
    value_eur: Decimal
    ratings: tuple[str, ...]
    used_on: dt.date | None = None
    origin: str | None = None
    recipient: Consignee | None = None


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a reporting period, "2024" or "2024-Q3"."""
    match = PERIOD.match(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year = int(match["year"])
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ValueError(f"not a period: {period!r} (year {year})")
    if match["quarter"] is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    quarter = int(match["quarter"])
    first = dt.date(year, 3 * quarter - 2, 1)
    if quarter == 4:  # no day after 31 December 9999
        return first, dt.date(year, 12, 31)
    return first, dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)


def realisation_check_date(period: str, today: dt.date, used_on: dt.date | None = None
                           ) -> dt.date:
    """The day a realisation is judged on: its day of use when given, else the period's last
    day, or today if that is earlier.

    Without a day of use, the use may have happened on any day of the period; the last day is
    the latest condition the exporter was bound by (a destination dropped during the period is
    flagged for review, as NL009 towards Israel after 12 February 2024), and conditions of days
    not yet come are not known.
    """
    if used_on is not None:
        return used_on
    return min(period_bounds(period)[1], today)


def realisation_errors(cmd: ReportRealisation, ref: ReferenceData, *, today: dt.date
                       ) -> list[FieldError]:
    """Every way a realisation report is malformed beyond its shape (not its conditions)."""
    errors = []
    try:
        first, last = period_bounds(cmd.period)
    except ValueError:  # the shape admits year 0000, the calendar does not
        return [FieldError(("body", "period"), "not a period: the year is 0001 to 9999")]
    if first > today:
        errors.append(FieldError(("body", "period"), "lies in the future"))
    if first.year < 2000:
        errors.append(FieldError(("body", "period"), "lies before 2000"))
    if cmd.used_on is not None:
        if not first <= cmd.used_on <= last:
            errors.append(FieldError(("body", "used_on"),
                                     f"lies outside the period {cmd.period} ({first} to {last})"))
        elif cmd.used_on > today:
            errors.append(FieldError(("body", "used_on"), "lies in the future"))
    eori = EORI.match(cmd.exporter.eori)
    if eori is None or not ref.is_country(eori["country"]):
        errors.append(FieldError(("body", "exporter", "eori"),
                                 "not an EORI number (e.g. NL123456789)"))
    places: list[tuple[tuple[str, ...], str | None]] = [
        (("country",), cmd.country), (("destination",), cmd.destination),
        (("origin",), cmd.origin),
        (("recipient", "country"), cmd.recipient.country if cmd.recipient else None)]
    for where, code in places:
        if code is not None and not ref.is_country(code):
            errors.append(FieldError(("body", *where),
                                     f"{code} is not an ISO 3166-1 country code"))
    for i, rating in enumerate(cmd.ratings):
        if not (valid_military_rating(rating) or valid_dual_use_entry(rating)):
            errors.append(FieldError(("body", "ratings", i),
                                     f"{rating!r} is neither a military rating (ML10c) nor "
                                     "a dual-use entry (5A002.a)"))
    return errors


def decide_report(cmd: ReportRealisation, ref: ReferenceData, *, today: dt.date,
                  registrations: Sequence[Registration], registers: Registers,
                  sanctions: GoodsSanctions, requirements: Sequence[Requirement] = ()
                  ) -> RealisationReported:
    """The realisation as recorded, with its flags; NotFound or Invalid when it cannot be.

    `registrations` are the exporter's registrations for the licence; `registers` the
    prerequisites' registers; `sanctions` the goods sanctions; `requirements` the catch-all
    requirements on the exporter.
    """
    licence = general_licence(ref, cmd.code)
    errors = realisation_errors(cmd, ref, today=today)
    if errors:
        raise Invalid(errors=errors)
    on = realisation_check_date(cmd.period, today, cmd.used_on)
    flags = []
    if not registered(registrations, on):
        flags.append(Flag(code="not-registered",
                          text=f"exporter {cmd.exporter.eori} is not registered for {cmd.code} "
                               f"on {on}"))
    flags += check(ref, licence, direction=cmd.direction, country=cmd.country,
                   destination=cmd.destination, origin=cmd.origin, ratings=cmd.ratings, on=on)
    recipient, consulted = recipient_flags(licence, cmd.recipient, registers, on=on)
    flags += recipient
    destinations = destinations_of(licence, country=cmd.country, destination=cmd.destination)
    flags += requirement_flags(requirements, eori=cmd.exporter.eori, destinations=destinations,
                               on=on)
    flags += sanction_flags(sanctions, ratings=cmd.ratings, destinations=destinations, on=on)
    conditions = RegisterUsed(name="general_licences",
                              version=ref.sources["general_licences"].version)
    return RealisationReported.model_validate({
        "id": cmd.realisation_id, "code": cmd.code, "regime": licence.regime,
        "exporter": cmd.exporter, "period": cmd.period, "direction": cmd.direction,
        "country": cmd.country, "destination": cmd.destination, "value_eur": cmd.value_eur,
        "ratings": list(cmd.ratings), "flagged": bool(flags), "flags": flags,
        "checked_on": on, "used_on": cmd.used_on, "origin": cmd.origin,
        "recipient": cmd.recipient,
        "registers": [conditions, sanctions_used(sanctions), *consulted]})
