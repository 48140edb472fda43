"""Values every intake rule shares: money to the cent, EORI numbers, destination groups, skew."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

CENT = Decimal("0.01")
# The contract's limit on amounts (a request over it is refused, never rounded).
MAX_AMOUNT = Decimal(10) ** 13
DESTINATION_GROUPS = ("EU", "EU_NATO_PLUS")
# Callers' clocks drift: a business time up to this far ahead of ours is taken as "now".
CLOCK_SKEW = dt.timedelta(minutes=2)
# An EORI number: the issuing country's code and up to 15 letters or digits.
EORI = re.compile(r"^(?P<country>[A-Z]{2})[A-Z0-9]{1,15}\Z")  # \Z: `$` admits a final newline


def money(value: str | Decimal) -> Decimal:
    """A euro amount as Decimal, to the cent."""
    return Decimal(value).quantize(CENT)
