"""Format checks for control-list ratings; pure functions, no reference data needed.

Canonical forms (callers normalise input before asking; dots or spaces in military ratings and
lower-case groups in dual-use entries are rejected on purpose, so one rating has one spelling):

- military:    ``ML<1-22>`` then sub-items as letters each optionally followed by digits,
               without separators: ``ML6``, ``ML10c``, ``ML1d5``, ``ML8a1b``.
- dual-use:    ``<category 0-9><group A-E><3 digits>`` then sub-items alternating
               ``.letter`` and ``.number``: ``3B001``, ``5A002.a``, ``3A001.b.1.a.4``, ``2B910``.
- anti-torture: ``<annex>.<n>[.<n>...]`` with annex II, III or IV: ``III.2.1``.
"""

from __future__ import annotations

import re

_MILITARY = re.compile(r"^(?P<category>ML(?:[1-9]|1\d|2[0-2]))(?:[a-z]\d*)*\Z")
_DUAL_USE = re.compile(r"^(?P<family>[0-9][A-E]\d{3})(?:\.[a-z](?:\.\d+\.[a-z])*(?:\.\d+)?)?\Z")
_ANTI_TORTURE_ANNEXES = ("II", "III", "IV")


def valid_military_rating(rating: str) -> bool:
    """Tell whether `rating` is a canonical Common Military List rating (ML1..ML22[sub-items])."""
    return _MILITARY.fullmatch(rating) is not None


def ml_category(rating: str) -> str:
    """Return the ``MLn`` category of a military rating (``ML10c`` -> ``ML10``)."""
    match = _MILITARY.fullmatch(rating)
    if match is None:
        raise ValueError(f"not a military rating: {rating!r}")
    return match["category"]


def valid_dual_use_entry(entry: str) -> bool:
    """Tell whether `entry` is a canonical Annex I (or national x9xx) dual-use entry."""
    return _DUAL_USE.fullmatch(entry) is not None


def dual_use_family(entry: str) -> str:
    """Return the five-character entry of a dual-use rating (``5A002.a`` -> ``5A002``)."""
    match = _DUAL_USE.fullmatch(entry)
    if match is None:
        raise ValueError(f"not a dual-use entry: {entry!r}")
    return match["family"]


def is_national_entry(entry: str, national_digit: str = "9") -> bool:
    """Tell whether a dual-use entry uses the national ``x9xx`` numbering (``2B910``)."""
    return dual_use_family(entry)[2] == national_digit


def entry_matches(entry: str, item: str) -> bool:
    """Tell whether `entry` is `item` or one of its sub-items (``1C350.a`` matches ``1C350``)."""
    return entry == item or entry.startswith(item + ".")


def valid_anti_torture_rating(rating: str, annex: str) -> bool:
    """Tell whether `rating` is an item of anti-torture Annex `annex` (II, III or IV)."""
    if annex not in _ANTI_TORTURE_ANNEXES:
        raise ValueError(f"unknown anti-torture annex: {annex!r} (expected II, III or IV)")
    return re.fullmatch(rf"{annex}\.\d+(?:\.\d+)*", rating) is not None
