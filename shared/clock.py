"""The one clock: system time in UTC, and the business date of a moment in Europe/Amsterdam.

The year of a business time (for reports, licence numbers, statistics) and every "day" a rule
speaks of (decided on, shipped on, due by) is its calendar day in Europe/Amsterdam.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def business_date(moment: dt.datetime) -> dt.date:
    """The calendar day of a business time in Europe/Amsterdam."""
    return moment.astimezone(AMSTERDAM).date()


def today() -> dt.date:
    """Today's business date."""
    return business_date(utcnow())


def noon(day: dt.date) -> dt.datetime:
    """Noon in Amsterdam on a day, in UTC: a time for an event that has a day but no time."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=AMSTERDAM).astimezone(dt.UTC)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def stored_utc(moment: dt.datetime) -> dt.datetime:
    """A time read back from the database: SQLite returns the UTC times it stored without their
    zone, PostgreSQL with it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
