"""The HTML report's language: names from the data tables, and amounts, numbers and dates."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from services.reporting.domain.regimes import UNRATED, annex_i_names
from services.reporting.render.texts import TEXTS
from shared.reference.grounds import load_refusal_grounds

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# Destinations that are not one country: a group of recipients, or several named countries.
PSEUDO_DESTINATIONS = ("EU", "EU_NATO_PLUS", "VARIOUS")
_DATA = Path(__file__).parent / "data"
_CENT = Decimal("0.01")
_MILLION = Decimal(1_000_000)
_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
NBSP = "\u00a0"


@cache
def _data(name: str) -> dict[str, Any]:
    return json.loads((_DATA / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _region_order() -> dict[str, int]:
    return {r["key"]: i for i, r in enumerate(_data("regions.json")["regions"])}


def to_decimal(value: Any) -> Decimal:
    """A JSON amount (a decimal string) as a Decimal; anything unreadable counts as zero."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _grouped(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head], *(digits[i:i + 3] for i in range(head, len(digits), 3))])


def unaccented(text: str) -> str:
    """Text without diacritics and case, so that Oekraïne sorts between Noorwegen and Oman."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Locale:
    """One language of the report: its words, its number format, its country names."""

    lang: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"unknown language {self.lang!r}; expected one of {LANGUAGES}")

    def t(self, key: str, default: str | None = None, **values: Any) -> str:
        """The text `key` in this language, with `values` filled in; `default` if there is none.

        A key made from data (a licence code, a direction) may have no text: then `default`,
        the data's own word, is shown rather than failing the whole report.
        """
        pair = TEXTS.get(key)
        if pair is None:
            if default is None:
                raise KeyError(key)
            return default
        text = pair[LANGUAGES.index(self.lang)]
        return text.format(**values) if values else text

    # Numbers -------------------------------------------------------------------------------
    def number(self, value: Any, places: int = 2) -> str:
        """A decimal number with this language's separators, rounded half up."""
        amount = to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        sign = "-" if amount < 0 else ""
        whole, _, frac = f"{abs(amount):f}".partition(".")
        thousands, point = (".", ",") if self.lang == "nl" else (",", ".")
        return sign + _grouped(whole, thousands) + (point + frac if frac else "")

    def integer(self, value: Any) -> str:
        """A count: 1.234 in Dutch, 1,234 in English."""
        return self.number(value, places=0)

    def money(self, value: Any) -> str:
        """A full amount: `€ 312.848.962,29` in Dutch, `€312,848,962.29` in English."""
        text = self.number(to_decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        # A no-break space: the sign and the amount never part at the end of a line.
        return f"{sign}€{NBSP}{digits}" if self.lang == "nl" else f"{sign}€{digits}"

    def millions(self, value: Any) -> str:
        """An amount in millions for summary figures: `€ 1.146,97 mln`, `€1,146.97 million`."""
        text = self.number(to_decimal(value) / _MILLION)
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        if self.lang == "nl":
            return f"{sign}€{NBSP}{digits}{NBSP}mln"
        return f"{sign}€{digits}{NBSP}million"

    def pct(self, value: Any) -> str:
        """A percentage as the JSON gives it (already rounded): 22,22% or 22.22%."""
        return f"{self.number(value)}%"

    # Dates ---------------------------------------------------------------------------------
    def date(self, value: Any) -> str:
        """An ISO date as `1 april 2024` / `1 April 2024`, with no-break spaces."""
        if not value:
            return ""
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        month = _MONTHS[self.lang][day.month - 1]
        return NBSP.join((str(day.day), month, str(day.year)))

    def moment(self, value: Any) -> str:
        """An ISO time with a zone, in UTC, as `1 maart 2025 12:00 UTC`."""
        try:
            when = dt.datetime.fromisoformat(str(value)).astimezone(dt.UTC)
        except ValueError:
            return str(value)
        return f"{self.date(when.date().isoformat())}{NBSP}{when:%H:%M}{NBSP}UTC"

    # Names ---------------------------------------------------------------------------------
    def country(self, code: Any) -> str:
        """A destination as the record writes it: a country's name, or a group's."""
        key = str(code or "")
        names = _data("countries.json")
        entry = names["groups"].get(key) or names["countries"].get(key)
        return str(entry[self.lang]) if entry else key

    def countries(self, codes: list[Any]) -> str:
        """Several destinations by name, alphabetically."""
        return ", ".join(sorted((self.country(c) for c in codes), key=self.sort_key))

    def region(self, key: Any) -> str:
        """A region of the EU annual report by its name in this language."""
        for region in _data("regions.json")["regions"]:
            if region["key"] == key:
                return str(region[self.lang])
        return str(key)

    @staticmethod
    def region_rank(key: Any) -> tuple[int, str]:
        """The place of a region in the record's order (unknown regions last)."""
        return (_region_order().get(str(key), len(_region_order())), str(key))

    def category(self, code: Any) -> str:
        """The description of an ML category (empty for one the list does not have)."""
        entry = _data("military_list.json")["categories"].get(str(code))
        return str(entry[self.lang]) if entry else ""

    def annex_i(self, category: Any) -> str:
        """An Annex I category of the dual-use regulation by its number and name: `Categorie 3:
        Elektronica`."""
        code = str(category)
        if code == UNRATED:
            return self.t("annex_i.unrated")
        name = annex_i_names().get(code, {}).get(self.lang, "")
        return self.t("annex_i", number=code, name=name).rstrip(": ")

    def ground(self, code: Any) -> str:
        """A refusal ground beside the criteria in words (an unknown code is shown as such)."""
        ground = load_refusal_grounds().get(str(code))
        if ground is None:
            return str(code)
        return ground.label_nl if self.lang == "nl" else ground.label_en

    def sort_key(self, name: str) -> tuple[str, str]:
        """Alphabetical order of displayed names, accents and case aside."""
        return (unaccented(name), name)
