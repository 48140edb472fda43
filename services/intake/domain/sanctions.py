"""Sanctions on goods as intake applies them: a use of a general licence or a shipment of an
item an EU restrictive measure bans exporting to its destination on its day is flagged or
refused, citing the regulation and annex (the measures are dated reference data, read through
the same query assessment screens cases with)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from shared.contracts.intake import Flag
from shared.contracts.types import RegisterUsed
from shared.reference.sanctions import GoodsSanction, GoodsSanctions


def sanctions_used(sanctions: GoodsSanctions) -> RegisterUsed:
    """The version of the sanctions data a judgement was made on."""
    return RegisterUsed(name="goods_sanctions", version=sanctions.version)


def cited(ban: GoodsSanction) -> str:
    """The regulation and annex a refusal or a flag cites."""
    return f"{ban.regulation}, {ban.annex}"


def bans(sanctions: GoodsSanctions, *, ratings: Iterable[str], destinations: Iterable[str],
         on: dt.date) -> list[tuple[GoodsSanction, str, str]]:
    """Each measure banning goods of one of `ratings` to one of `destinations` on `on`, with
    the rating and the destination it bans."""
    targets, items = list(destinations), list(ratings)
    return [(ban, rating, destination) for destination in targets for rating in items
            for ban, _item in sanctions.bans(destination, rating, on)]


def sentence(sanctions: GoodsSanctions, ban: GoodsSanction, rating: str, destination: str,
             on: dt.date) -> str:
    """What a ban says, with the version of the data it was found in."""
    return (f"{cited(ban)} bans exporting {rating} to {destination} on {on}: {ban.reason} "
            f"(goods sanctions {sanctions.version})")


def sanction_flags(sanctions: GoodsSanctions, *, ratings: Iterable[str],
                   destinations: Iterable[str], on: dt.date) -> list[Flag]:
    """A flag per banned item of a use of a general licence."""
    return [Flag(code="sanctioned-goods", text=sentence(sanctions, ban, rating, d, on),
                 cited=cited(ban))
            for ban, rating, d in bans(sanctions, ratings=ratings, destinations=destinations,
                                       on=on)]
