"""Grounds per regime: what a denial (and an advice) may rest on.

Military goods are judged on the eight criteria of Common Position 2008/944/CFSP alone.
Dual-use goods (and the national measures, judged alike) on the considerations of Regulation
(EU) 2021/821 art. 15, which include the Common Position's criteria, and its catch-all grounds
(arts. 4 and 5). Anti-torture goods on the annex grounds of Regulation (EU) 2019/125 alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.errors import FieldError, Invalid
from shared.reference.grounds import RefusalGrounds

# The regime whose grounds (in the refusal grounds data) a regime's decision cites.
GROUNDS_OF = {"dual_use": "dual_use", "national": "dual_use", "anti_torture": "anti_torture"}


def check_grounds(regime: str, grounds: Sequence[str], catalogue: RefusalGrounds) -> None:
    """Every ground cited belongs to the regime (a military decision cites none)."""
    allowed = {g.code for g in catalogue.of_regime(GROUNDS_OF.get(regime, ""))}
    foreign = [g for g in grounds if g not in allowed]
    if not foreign:
        return
    if regime == "military":
        detail = ("grounds: a military decision rests on the criteria of Common Position "
                  "2008/944/CFSP, not on other grounds")
    else:
        detail = (f"grounds: {', '.join(foreign)} is no ground of the {regime} regime (its "
                  f"grounds: {', '.join(sorted(allowed))})")
    raise Invalid(detail, code="invalid-command",
                  errors=[FieldError(("body", "grounds"), detail.split(": ", 1)[1])])


def check_denial(regime: str, criteria: Sequence[int], grounds: Sequence[str],
                 catalogue: RefusalGrounds) -> None:
    """A denial names what it rests on, in its regime's vocabulary."""
    check_grounds(regime, grounds, catalogue)
    if regime == "anti_torture":
        if criteria:
            raise Invalid("criteria: an anti-torture denial rests on the annex grounds of "
                          "Regulation (EU) 2019/125, not on the criteria", code="invalid-command",
                          errors=[FieldError(("body", "criteria"),
                                             "not for an anti-torture denial")])
        if not grounds:
            raise Invalid("grounds: an anti-torture denial must cite the annex grounds it rests "
                          "on", code="invalid-command",
                          errors=[FieldError(("body", "grounds"), "required")])
        return
    if regime in GROUNDS_OF:
        if not criteria and not grounds:
            raise Invalid(f"a {regime.replace('_', '-')} denial must cite the criteria (1 to 8) "
                          "or the grounds it rests on", code="invalid-command",
                          errors=[FieldError(("body", "grounds"), "criteria or grounds required")])
        return
    if not criteria:
        raise Invalid("a denial must cite the criteria it rests on (1 to 8)",
                      code="invalid-command")
