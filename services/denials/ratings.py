"""Rating relations for "essentially identical" transactions; pure.

The same rating, or the same family: ML category (ML10c ~ ML10), Annex I entry
(5A002.a ~ 5A002) or anti-torture item (III.2.1 ~ III.2).
"""

from __future__ import annotations

import re

# \Z, not `$`: `$` admits a final newline.
_ML = re.compile(r"^(ML(?:[1-9]|1\d|2[0-2]))(?:[a-z]\d*)*\Z")
_DU = re.compile(r"^([0-9][A-E]\d{3})(?:\..*)?\Z")
_AT = re.compile(r"^(II|III|IV)\.(\d+)(?:\.\d+)*\Z")
UNRATED = "UNRATED"


def normalise_rating(rating: str | None) -> str | None:
    """One spelling per rating: `ml 10.c` -> `ML10c`, `5a002.A` -> `5A002.a`; None stays None."""
    if rating is None:
        return None
    text = rating.strip()
    if not text:
        return None
    compact = text.replace(" ", "")
    if compact[:2].upper() == "ML":
        return "ML" + compact[2:].replace(".", "").lower()
    if re.match(r"^[0-9][A-Ea-e]\d{3}", compact):
        return compact[:5].upper() + compact[5:].lower()
    if re.match(r"^(ii|iii|iv)\.", compact, re.IGNORECASE):
        head, _, tail = compact.partition(".")
        return head.upper() + "." + tail
    return compact


def rating_key(rating: str | None) -> str:
    """The family a rating belongs to: ML category, Annex I entry, or anti-torture item."""
    if rating is None:
        return UNRATED
    if m := _ML.match(rating):
        return m.group(1)
    if m := _DU.match(rating):
        return m.group(1)
    if m := _AT.match(rating):
        return f"{m.group(1)}.{m.group(2)}"
    return rating.upper()


def rating_relation(asked: str | None, denied: str | None) -> tuple[str, bool] | None:
    """How a rating relates to a denied one, in words, and whether it is the same rating.

    None when the two are unrelated (another category, entry or item).
    """
    if asked == denied:
        return f"rating {asked or 'none (unlisted goods)'} = {denied or 'none'}", True
    key = rating_key(asked)
    if key != rating_key(denied) or key == UNRATED:
        return None
    kind = (
        "category"
        if key.startswith("ML")
        else "Annex I entry"
        if _DU.match(key)
        else "anti-torture item"
    )
    return f"rating {asked} ~ {denied} (same {kind} {key})", False
