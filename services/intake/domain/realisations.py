"""Realisations: reports of the use of a general licence in a period, stored always and flagged
when outside the licence's conditions as they stood on the day they are judged on."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from services.intake.domain.general_licences import check, general_licence
from services.intake.domain.values import EORI
from shared.contracts.intake import RealisationReported
from shared.contracts.types import Company
from shared.errors import FieldError, Invalid
from shared.reference import ReferenceData, valid_dual_use_entry, valid_military_rating

PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?$")


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


def realisation_errors(cmd: ReportRealisation, ref: ReferenceData, *, today: dt.date
                       ) -> list[FieldError]:
    """Every way a realisation report is malformed beyond its shape (not its conditions)."""
    errors = []
    first, _last = period_bounds(cmd.period)
    if first > today:
        errors.append(FieldError(("body", "period"), "lies in the future"))
    if first.year < 2000:
        errors.append(FieldError(("body", "period"), "lies before 2000"))
    eori = EORI.match(cmd.exporter.eori)
    if eori is None or not ref.is_country(eori["country"]):
        errors.append(FieldError(("body", "exporter", "eori"),
                                 "not an EORI number (e.g. NL123456789)"))
    for name, code in (("country", cmd.country), ("destination", cmd.destination)):
        if code is not None and not ref.is_country(code):
            errors.append(FieldError(("body", name), f"{code} is not an ISO 3166-1 country code"))
    for i, rating in enumerate(cmd.ratings):
        if not (valid_military_rating(rating) or valid_dual_use_entry(rating)):
            errors.append(FieldError(("body", "ratings", i),
                                     f"{rating!r} is neither a military rating (ML10c) nor "
                                     "a dual-use entry (5A002.a)"))
    return errors


def decide_report(cmd: ReportRealisation, ref: ReferenceData, *, today: dt.date
                  ) -> RealisationReported:
    """The realisation as recorded, with its flags; NotFound or Invalid when it cannot be."""
    licence = general_licence(ref, cmd.code)
    errors = realisation_errors(cmd, ref, today=today)
    if errors:
        raise Invalid(errors=errors)
    on = realisation_check_date(cmd.period, today)
    flags = check(ref, licence, direction=cmd.direction, country=cmd.country,
                  destination=cmd.destination, ratings=cmd.ratings, on=on)
    return RealisationReported.model_validate({
        "id": cmd.realisation_id, "code": cmd.code, "regime": licence.regime,
        "exporter": cmd.exporter, "period": cmd.period, "direction": cmd.direction,
        "country": cmd.country, "destination": cmd.destination, "value_eur": cmd.value_eur,
        "ratings": list(cmd.ratings), "flagged": bool(flags), "flags": flags,
        "checked_on": on})
