"""Classification answers: whether a good is controlled, and under which rating."""

from __future__ import annotations

from shared.errors import Invalid
from shared.reference import valid_dual_use_entry, valid_military_rating

ANTI_TORTURE_ANNEXES = ("II", "III", "IV")


def check_answer(rating: str | None, controlled: bool) -> None:
    """A controlled good has a valid rating; an uncontrolled one has none."""
    if not controlled:
        if rating is not None:
            raise Invalid("a good that is not controlled has no rating", code="invalid-command")
        return
    if not rating:
        raise Invalid("a controlled good needs its rating", code="invalid-command")
    anti_torture = rating.split(".")[0] in ANTI_TORTURE_ANNEXES
    if not (valid_military_rating(rating) or valid_dual_use_entry(rating) or anti_torture):
        raise Invalid(f"{rating!r} is neither a military rating (ML6), a dual-use entry (3A001) "
                      "nor an anti-torture item (III.2.1)", code="invalid-command")
