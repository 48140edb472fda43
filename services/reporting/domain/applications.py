"""Decided applications read from facts, and the rules on what a licence counts for."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from services.reporting.domain.facts import Facts
from services.reporting.domain.money import ZERO, allocate, business_day, money

_ML = re.compile(r"^(ML(?:[1-9]|1\d|2[0-2]))(?:[a-z]\d*)*$")
VALUE_TRANSACTIONS = ("export", "transfer")


class Reference(Protocol):
    """The reference-data queries the report needs."""

    def region(self, code: str) -> str | None: ...  # noqa: D102

    def is_nato_plus(self, code: str, on: dt.date) -> bool: ...  # noqa: D102


def ml_category(rating: Any) -> str:
    """The MLn category of a military rating; unreadable ratings are reported as "unrated"."""
    match = _ML.fullmatch(str(rating or ""))
    return match.group(1) if match else "unrated"


def category_order(category: str) -> tuple[int, str]:
    """Sort ML1, ML2, ..., ML22 numerically, anything else last."""
    digits = category[2:]
    return (int(digits), category) if category.startswith("ML") and digits.isdigit() else (999,
                                                                                              category)


def annex_of(line: dict[str, Any]) -> str:
    """The anti-torture annex of a goods line: its `annex`, or the rating's prefix."""
    annex = line.get("annex")
    if annex:
        return str(annex)
    return str(line.get("rating") or "").split(".", 1)[0] or "unknown"


@dataclass
class Decided:
    """One decided application with everything the report reads about it."""

    app_id: str
    regime: str
    procedure: str
    transaction: str
    licence_type: str
    purpose: str
    catch_all: bool
    outcome: str
    decided_on: dt.date
    criteria: list[Any]
    destinations: list[str]
    destination_group: str | None
    origins: list[str]
    amends: dict[str, Any] | None
    goods: list[dict[str, Any]]
    value: Decimal
    service_value: Decimal
    licence_number: str | None
    consignee: dict[str, Any] | None
    end_user: dict[str, Any] | None
    end_use: str
    grounds: list[str] = field(default_factory=list)
    # Withheld from public reports until this day (LicenceMarkedConfidential), if marked.
    release_on: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def year(self) -> int:
        """The year of the decision."""
        return self.decided_on.year

    @property
    def approved(self) -> bool:
        """Whether the outcome was an approval."""
        return self.outcome == "approved"

    @property
    def destination(self) -> str:
        """The report's destination: the group, the one country, or VARIOUS."""
        if self.destination_group:
            return self.destination_group
        if len(self.destinations) == 1:
            return self.destinations[0]
        return "VARIOUS"

    @property
    def origin(self) -> str:
        """The single origin, or VARIOUS."""
        return self.origins[0] if len(self.origins) == 1 else "VARIOUS"


def _data(fact: dict[str, Any], part: str) -> dict[str, Any]:
    stamped = fact.get(part)
    return dict(stamped["data"]) if stamped else {}


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def withheld(app: Decided, on: dt.date | None) -> bool:
    """Whether a confidential licence is still withheld from public reports on `on` (with no
    day given, a marked licence is withheld)."""
    return app.release_on is not None and (on is None or on < app.release_on)


def decided_applications(facts: Facts) -> list[Decided]:
    """Every decided application in the facts, in a stable order (by id)."""
    out = []
    for (kind, key) in sorted(k for k in facts if k[0] == "app"):
        fact = facts[(kind, key)]
        decided = _data(fact, "decided")
        if not decided:
            continue
        day = business_day(decided.get("decided_at"))
        sub, lic, opened = _data(fact, "submitted"), _data(fact, "licence"), _data(fact, "opened")
        confidential = _data(fact, "confidential")

        def get(name: str, default: Any = None, *, sub: dict[str, Any] = sub,
                lic: dict[str, Any] = lic, opened: dict[str, Any] = opened) -> Any:
            for source in (lic, sub, opened):
                if source.get(name) is not None:
                    return source[name]
            return default

        regime = get("regime")
        if day is None or regime is None:
            continue
        goods = list(get("goods", []) or [])
        value = money(get("value_eur")) if get("value_eur") is not None else sum(
            (money(g.get("value_eur")) for g in goods), ZERO)
        out.append(Decided(
            app_id=key, regime=str(regime), procedure=str(get("procedure", "licence")),
            transaction=str(get("transaction", "export")),
            licence_type=str(get("licence_type", "individual")),
            purpose=str(get("purpose", "definitive")),
            # A catch-all case may be known as one only to assessment (a requirement imposed on
            # the exporter): its decision and licence say so even when the application did not.
            catch_all=any(bool(part.get("catch_all")) for part in (lic, decided, sub)),
            outcome=str(decided.get("outcome")), decided_on=day,
            criteria=list(decided.get("criteria") or []),
            grounds=[str(g) for g in decided.get("grounds") or []],
            release_on=_day(confidential.get("release_on")),
            destinations=[str(c) for c in get("destinations", []) or []],
            destination_group=get("destination_group"),
            origins=[str(c) for c in get("origins", []) or []],
            amends=get("amends"), goods=goods, value=value,
            service_value=money(get("service_value_eur")),
            licence_number=lic.get("licence_number"), consignee=get("consignee"),
            end_user=get("end_user"), end_use=str(get("end_use", "") or ""),
        ))
    return out


def line_weights(app: Decided, key_of: Any) -> list[tuple[str, Decimal]]:
    """The licence value per key (category, annex, ...), from its goods lines, adding up exactly."""
    per: dict[str, Decimal] = {}
    for line in app.goods:
        k = key_of(line)
        per[k] = per.get(k, ZERO) + money(line.get("value_eur"))
    weights = sorted(per.items())
    if sum(per.values(), ZERO) == app.value:
        return weights
    # The licence value is what counts; lines that do not add up to it only give the proportions.
    return allocate(app.value, weights or [("unrated", ZERO)])


def counted_lines(app: Decided, licences: dict[str, Decided], key_of: Any, *,
                  value_of: Any = None) -> list[tuple[str, Decimal]]:
    """What an approved licence adds to the value tables, per key; [] when it counts nothing.

    Temporary exports and returns after repair count nothing; an extension or replacement counts
    only its increase over the licence it amends (nothing when that licence is not held).
    """
    if app.purpose != "definitive" or not app.approved or app.procedure != "licence":
        return []
    if value_of is not None:
        whole = value_of(app)
        weights = [(k, w) for k, w in line_weights(app, key_of)]
        lines = allocate(whole, weights) if weights else [("unrated", whole)]
    else:
        lines = line_weights(app, key_of)
    if not app.amends:
        return lines
    base = licences.get(str((app.amends or {}).get("licence_number")))
    if base is None or base.app_id == app.app_id:
        return []
    base_lines = dict(counted_base(base, key_of, value_of))
    new_total = sum((v for _, v in lines), ZERO)
    increase = new_total - sum(base_lines.values(), ZERO)
    if increase <= 0:
        return []
    diffs = [(k, max(ZERO, v - base_lines.get(k, ZERO))) for k, v in lines]
    if sum((d for _, d in diffs), ZERO) == increase:
        return [(k, d) for k, d in diffs if d > 0]
    return [(k, v) for k, v in allocate(increase, lines) if v > 0]


def counted_base(app: Decided, key_of: Any, value_of: Any) -> list[tuple[str, Decimal]]:
    """The full value of a licence per key (the base an amendment is compared with)."""
    if value_of is None:
        return line_weights(app, key_of)
    weights = line_weights(app, key_of)
    return allocate(value_of(app), weights) if weights else [("unrated", value_of(app))]


def eu_nato_plus(app: Decided, ref: Reference) -> bool:
    """Whether every destination is in the EU, NATO or NATO+ on the decision date."""
    if app.destination_group:
        return True
    return bool(app.destinations) and all(ref.is_nato_plus(c, app.decided_on)
                                          for c in app.destinations)
