"""Sanctions on goods as intake applies them: a use of a general licence or a shipment of an
item an EU restrictive measure bans exporting to its destination on its day is flagged or
refused, citing the regulation and annex (the measures are dated reference data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from shared.contracts.intake import Flag
from shared.contracts.types import RegisterUsed
from shared.reference import GoodsSanction, ReferenceData


def sanctions_used(ref: ReferenceData) -> RegisterUsed:
    """The version of the sanctions data a judgement was made on."""
    return RegisterUsed(name="goods_sanctions", version=ref.sources["goods_sanctions"].version)


def bans(ref: ReferenceData, *, items: Iterable[str], destinations: Iterable[str], on: dt.date
         ) -> list[tuple[GoodsSanction, str, str]]:
    """Each measure banning one of `items` to one of `destinations` on `on`, with the item and
    the destination it bans."""
    return [(sanction, item, destination) for destination in destinations for item in items
            for sanction in ref.goods_sanctions_on(destination, item, on)]


def sentence(ref: ReferenceData, sanction: GoodsSanction, item: str, destination: str,
             on: dt.date) -> str:
    """What a ban says, with the version of the data it was found in."""
    return (f"{sanction.cited} bans exporting {item} to {destination} on {on} "
            f"(goods sanctions {ref.sources['goods_sanctions'].version})")


def sanction_flags(ref: ReferenceData, *, ratings: Iterable[str], destinations: Iterable[str],
                   on: dt.date) -> list[Flag]:
    """A flag per banned item of a use of a general licence."""
    return [Flag(code="sanctioned-goods", text=sentence(ref, s, item, d, on), cited=s.cited)
            for s, item, d in bans(ref, items=ratings, destinations=destinations, on=on)]
