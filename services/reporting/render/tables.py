"""The report's tables in the record's form: headers in words, names, orderings, total rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from services.reporting.domain.applications import category_order
from services.reporting.render.i18n import Locale, to_decimal

ZERO = Decimal(0)
_T = TypeVar("_T")


@dataclass(frozen=True)
class Cell:
    """One cell: the text shown, how it aligns, and the JSON code behind a displayed name."""

    text: str
    # text | num | date | desc (long text) | party (a name) | ref (a reference) | head
    kind: str = "text"
    code: str | None = None
    items: tuple[str, ...] = ()  # a list shown under the text (the reasons of a flag)


@dataclass(frozen=True)
class Column:
    """A column header in words; `title` explains an abbreviation (an ML category)."""

    label: str
    kind: str = "text"
    title: str | None = None


@dataclass
class Table:
    """A table of the report as the page shows it; `key` names the JSON table it renders."""

    key: str
    columns: list[Column]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    # Columns from this index on may be printed in parts (a table per destination and
    # category is wider than a page); the columns before it repeat in every part.
    split_from: int | None = None
    row_classes: list[str] = field(default_factory=list)

    def part(self, first: int, last: int) -> Table:
        """The table with only the value columns first..last (and the leading ones)."""
        keep = list(range(self.split_from or 0)) + list(range(first, last))

        def pick(cells: list[_T]) -> list[_T]:
            return [cells[i] for i in keep]
        return Table(self.key, pick(self.columns), [pick(r) for r in self.rows],
                     pick(self.total) if self.total else None, None, self.row_classes)


def money_cell(loc: Locale, value: Any) -> Cell:
    """An amount, right-aligned."""
    return Cell(loc.money(value), "num")


def int_cell(loc: Locale, value: Any) -> Cell:
    """A count, right-aligned."""
    return Cell(loc.integer(value), "num")


def name_cell(loc: Locale, code: Any) -> Cell:
    """A destination by its name, with its code behind it."""
    return Cell(loc.country(code), code=str(code))


def total_cell(loc: Locale, label: str | None = None) -> Cell:
    """The label of a total row."""
    return Cell(label or loc.t("total"), "head")


def summary(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Key figures of military goods, one figure a line as the record's first table."""
    s = rows[0]
    figures = [("applications", int_cell(loc, s["applications"])),
               ("approved", int_cell(loc, s["approved"])),
               ("approved_nato_eu_plus", int_cell(loc, s["approved_nato_eu_plus"])),
               ("denied", int_cell(loc, s["denied"])),
               ("denial_rate_pct", Cell(loc.pct(s["denial_rate_pct"]), "num")),
               ("total_value_eur", money_cell(loc, s["total_value_eur"]))]
    return Table("military.summary", [Column(loc.t("col.figure")), Column(loc.t("col.number"),
                                                                         "num")],
                 [[Cell(loc.t(f"summary.{k}"), "head", code=k), cell] for k, cell in figures])


def by_category(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Value per ML category, with each category's description and the total."""
    ordered = sorted(rows, key=lambda r: category_order(str(r["category"])))
    body = [[Cell(str(r["category"]), code=str(r["category"])),
             Cell(loc.category(r["category"]), "desc"), money_cell(loc, r["value_eur"])]
            for r in ordered]
    total = sum((to_decimal(r["value_eur"]) for r in rows), ZERO)
    return Table("military.by_category",
                 [Column(loc.t("col.category")), Column(loc.t("col.description")),
                  Column(loc.t("col.value"), "num")],
                 body, [total_cell(loc), Cell(""), money_cell(loc, total)] if rows else None)


def per_destination(loc: Locale, key: str, rows: list[dict[str, Any]]) -> Table:
    """Value per destination (alphabetically by name) and ML category, totals both ways."""
    categories = sorted({c for r in rows for c in r.get("values", {})}, key=category_order)
    ordered = sorted(rows, key=lambda r: loc.sort_key(loc.country(r["destination"])))
    column_totals = dict.fromkeys(categories, ZERO)
    body = []
    for row in ordered:
        values = row.get("values", {})
        cells = [name_cell(loc, row["destination"])]
        for cat in categories:
            if cat in values:
                column_totals[cat] += to_decimal(values[cat])
                cells.append(money_cell(loc, values[cat]))
            else:
                cells.append(Cell("", "num"))
        body.append([*cells, money_cell(loc, row["total_eur"])])
    grand = sum((to_decimal(r["total_eur"]) for r in rows), ZERO)
    columns = [Column(loc.t("col.destination")),
               *(Column(c, "num", loc.category(c) or None) for c in categories),
               Column(loc.t("total"), "num")]
    total = ([total_cell(loc), *(money_cell(loc, column_totals[c]) for c in categories),
              money_cell(loc, grand)] if rows else None)
    return Table(key, columns, body, total, split_from=1)


def by_region(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Value and share per region, regions in the record's order."""
    ordered = sorted(rows, key=lambda r: loc.region_rank(r["region"]))
    body = [[Cell(loc.region(r["region"]), code=str(r["region"])), money_cell(loc, r["value_eur"]),
             Cell(loc.pct(r["share_pct"]), "num")] for r in ordered]
    total = sum((to_decimal(r["value_eur"]) for r in rows), ZERO)
    return Table("military.by_region",
                 [Column(loc.t("col.region")), Column(loc.t("col.value"), "num"),
                  Column(loc.t("col.share"), "num")],
                 body,
                 [total_cell(loc), money_cell(loc, total), Cell(loc.pct("100"), "num")]
                 if rows else None)


def top_destinations(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """The five countries with the highest licence value, in the JSON's ranking."""
    return Table("military.top_destinations",
                 [Column(loc.t("col.rank"), "num"), Column(loc.t("col.country")),
                  Column(loc.t("col.value"), "num"), Column(loc.t("col.share"), "num")],
                 [[int_cell(loc, i), name_cell(loc, r["destination"]),
                   money_cell(loc, r["value_eur"]), Cell(loc.pct(r["share_pct"]), "num")]
                  for i, r in enumerate(rows, 1)])


def _procedure(loc: Locale, procedure: str) -> Cell:
    return Cell(loc.t(f"procedure.{procedure}", procedure), code=procedure)


def _grounds(loc: Locale, codes: list[Any]) -> Cell:
    """The refusal grounds of a denial in words (the codes behind them in `data-code`)."""
    return Cell("; ".join(loc.ground(c) for c in codes), "desc",
                code=",".join(str(c) for c in codes))


def denials(loc: Locale, rows: list[dict[str, Any]], key: str = "military.denials", *,
            criteria: bool | None = True, grounds: bool | None = None) -> Table:
    """Denied applications per destination (alphabetically), then by date, with the criteria
    of the Common Position and the regime's other grounds they rest on, in words. None: that
    column only when a denial cites one (military denials rest on criteria, anti-torture ones
    on their annex's ground)."""
    ordered = sorted(rows, key=lambda r: (loc.sort_key(loc.country(r["destination"])),
                                          str(r["decided_on"]), str(r["description"])))
    with_grounds = any(r.get("grounds") for r in rows) if grounds is None else grounds
    criteria = any(r.get("criteria") for r in rows) if criteria is None else criteria
    body = []
    for r in ordered:
        cells = [name_cell(loc, r["destination"]), Cell(str(r["description"]), "desc"),
                 int_cell(loc, r["quantity"]), Cell(str(r["recipient"]), "party"),
                 Cell(str(r["end_user"]), "party"), Cell(loc.date(r["decided_on"]), "date")]
        if criteria:
            cells.append(Cell(", ".join(str(c) for c in r["criteria"])))
        if with_grounds:
            cells.append(_grounds(loc, list(r.get("grounds") or [])))
        body.append([*cells, _procedure(loc, str(r.get("procedure", "licence")))])
    columns = [Column(loc.t("col.destination")), Column(loc.t("col.goods")),
               Column(loc.t("col.quantity"), "num"), Column(loc.t("col.recipient")),
               Column(loc.t("col.end_user")), Column(loc.t("col.date"))]
    if criteria:
        columns.append(Column(loc.t("col.criteria")))
    if with_grounds:
        columns.append(Column(loc.t("col.grounds")))
    return Table(key, [*columns, Column(loc.t("col.procedure"))], body)


def brokering(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Brokering licences per destination and origin (alphabetically), with the total."""
    ordered = sorted(rows, key=lambda r: (loc.sort_key(loc.country(r["destination"])),
                                          loc.sort_key(loc.country(r["origin"])),
                                          str(r["description"])))
    body = [[name_cell(loc, r["destination"]), name_cell(loc, r["origin"]),
             Cell(", ".join(r["ratings"])), Cell(str(r["description"]), "desc"),
             money_cell(loc, r["service_value_eur"])] for r in ordered]
    total = sum((to_decimal(r["service_value_eur"]) for r in rows), ZERO)
    return Table("military.brokering",
                 [Column(loc.t("col.destination")), Column(loc.t("col.origin")),
                  Column(loc.t("col.ratings")), Column(loc.t("col.goods")),
                  Column(loc.t("col.service_value"), "num")],
                 body,
                 [total_cell(loc), Cell(""), Cell(""), Cell(""), money_cell(loc, total)]
                 if rows else None)


def _flag_cell(loc: Locale, row: dict[str, Any]) -> Cell:
    reasons = tuple(str(r) for r in row.get("flag_reasons") or ())
    return Cell(loc.t("yes") if row.get("flagged") else loc.t("no"), items=reasons)


def general_licence_totals(loc: Locale, rows: list[dict[str, Any]],
                           totals: list[dict[str, Any]]) -> Table:
    """One line per general licence (`general_licences_totals`): its total value, with the
    countries and flagged realisations of its rows."""
    body = []
    for entry in sorted(totals, key=lambda r: str(r["licence"])):
        code = str(entry["licence"])
        mine = [r for r in rows if r["licence"] == code]
        body.append([Cell(code, code=code), Cell(loc.t(f"licence.{code}", ""), "desc"),
                     int_cell(loc, len({r["country"] for r in mine})),
                     int_cell(loc, sum(1 for r in mine if r.get("flagged"))),
                     money_cell(loc, entry["value_eur"])])
    total = sum((to_decimal(r["value_eur"]) for r in totals), ZERO)
    return Table("general_licences.totals",
                 [Column(loc.t("col.licence")), Column(loc.t("col.covers")),
                  Column(loc.t("col.countries"), "num"), Column(loc.t("col.flagged_rows"), "num"),
                  Column(loc.t("col.value"), "num")],
                 body,
                 [total_cell(loc), Cell(""), Cell(""),
                  int_cell(loc, sum(1 for r in rows if r.get("flagged"))), money_cell(loc, total)]
                 if rows else None)


def general_licence(loc: Locale, code: str, rows: list[dict[str, Any]]) -> Table:
    """The realisations of one general licence per country, with that licence's total."""
    mine = sorted((r for r in rows if r["licence"] == code),
                  key=lambda r: (loc.sort_key(loc.country(r["country"])), str(r["direction"])))
    role = "origin" if code in ("NL007", "NL008") else "destination"
    body = [[name_cell(loc, r["country"]),
             Cell(loc.t(f"direction.{r['direction']}", str(r["direction"])),
                  code=str(r["direction"])),
             money_cell(loc, r["value_eur"]), Cell(", ".join(r.get("categories") or [])),
             _flag_cell(loc, r)] for r in mine]
    total = sum((to_decimal(r["value_eur"]) for r in mine), ZERO)
    return Table(f"general_licences.{code}",
                 [Column(loc.t(f"col.{role}")), Column(loc.t("col.direction")),
                  Column(loc.t("col.value"), "num"), Column(loc.t("col.categories")),
                  Column(loc.t("col.flagged"))],
                 body,
                 [total_cell(loc, loc.t("total_of", name=code)), Cell(""), money_cell(loc, total),
                  Cell(""), Cell("")],
                 row_classes=["flagged" if r.get("flagged") else "" for r in mine])


def dual_use_by_type(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Dual-use licences issued and denied per type, counts and values, with the total."""
    def total(name: str, cell: Callable[[Locale, Any], Cell]) -> Cell:
        return cell(loc, sum((to_decimal(r[name]) for r in rows), ZERO))
    body = [[Cell(loc.t(f"du.{r['type']}", str(r["type"])), code=str(r["type"])),
             int_cell(loc, r["issued"]), money_cell(loc, r["issued_value_eur"]),
             int_cell(loc, r["denied"]), money_cell(loc, r["denied_value_eur"])] for r in rows]
    return Table("dual_use.by_type",
                 [Column(loc.t("col.licence_type")), Column(loc.t("col.issued"), "num"),
                  Column(loc.t("col.issued_value"), "num"), Column(loc.t("col.denied"), "num"),
                  Column(loc.t("col.denied_value"), "num")],
                 body,
                 [total_cell(loc), total("issued", int_cell),
                  total("issued_value_eur", money_cell), total("denied", int_cell),
                  total("denied_value_eur", money_cell)] if rows else None)


def dual_use_top(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """The ten countries with the highest realised dual-use exports, in the JSON's ranking."""
    return Table("dual_use.top_destinations",
                 [Column(loc.t("col.rank"), "num"), Column(loc.t("col.country")),
                  Column(loc.t("col.realised_value"), "num")],
                 [[int_cell(loc, i), name_cell(loc, r["country"]), money_cell(loc, r["value_eur"])]
                  for i, r in enumerate(rows, 1)])


def dual_use_by_destination(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Individual dual-use licences per destination (the record's figure 6), alphabetically by
    name, with the total."""
    ordered = sorted(rows, key=lambda r: loc.sort_key(loc.country(r["destination"])))
    body = [[name_cell(loc, r["destination"]), int_cell(loc, r["licences"]),
             money_cell(loc, r["value_eur"])] for r in ordered]
    return Table("dual_use.by_destination",
                 [Column(loc.t("col.destination")), Column(loc.t("col.licences"), "num"),
                  Column(loc.t("col.value"), "num")],
                 body,
                 [total_cell(loc), int_cell(loc, sum(int(r["licences"]) for r in rows)),
                  money_cell(loc, sum((to_decimal(r["value_eur"]) for r in rows), ZERO))]
                 if rows else None)


def dual_use_by_category(loc: Locale, rows: list[dict[str, Any]], issued: int) -> Table:
    """Individual dual-use licences per Annex I category (the record's figure 7) with the
    category's name; the total counts each licence once (`issued`, however many categories its
    goods are in)."""
    body = [[Cell(loc.annex_i(r["category"]), code=str(r["category"])),
             int_cell(loc, r["licences"]), money_cell(loc, r["value_eur"])] for r in rows]
    return Table("dual_use.by_category",
                 [Column(loc.t("col.annex_i_category")), Column(loc.t("col.licences"), "num"),
                  Column(loc.t("col.value"), "num")],
                 body,
                 [total_cell(loc), int_cell(loc, issued),
                  money_cell(loc, sum((to_decimal(r["value_eur"]) for r in rows), ZERO))]
                 if rows else None)


def national(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Licences of the national measures issued and denied, counts and values."""
    body = [[Cell(loc.t(f"regime.{r['regime']}", str(r["regime"])), code=str(r["regime"])),
             int_cell(loc, r["issued"]), money_cell(loc, r["issued_value_eur"]),
             int_cell(loc, r["denied"]), money_cell(loc, r["denied_value_eur"])] for r in rows]
    return Table("national",
                 [Column(loc.t("col.measures")), Column(loc.t("col.issued"), "num"),
                  Column(loc.t("col.issued_value"), "num"), Column(loc.t("col.denied"), "num"),
                  Column(loc.t("col.denied_value"), "num")],
                 body)


def anti_torture(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Anti-torture licences per annex: count, value, destinations, end uses; the total."""
    body = [[Cell(loc.t("annex", annex=r["annex"]), code=str(r["annex"])),
             int_cell(loc, r["licences"]), money_cell(loc, r["value_eur"]),
             Cell(loc.countries(r["destinations"]), "desc"),
             Cell("; ".join(str(e) for e in r["end_uses"]), "desc")] for r in rows]
    return Table("anti_torture",
                 [Column(loc.t("col.annex")), Column(loc.t("col.licences"), "num"),
                  Column(loc.t("col.value"), "num"), Column(loc.t("col.destinations")),
                  Column(loc.t("col.end_use"))],
                 body,
                 [total_cell(loc), int_cell(loc, sum(int(r["licences"]) for r in rows)),
                  money_cell(loc, sum((to_decimal(r["value_eur"]) for r in rows), ZERO)),
                  Cell(""), Cell("")] if rows else None)


def parts(table: Table, width: int) -> Iterable[Table]:
    """A wide table as tables of at most `width` value columns each, for the printed page.

    The columns are shared out evenly: 12 columns at most 5 a part print as 4, 4 and 4.
    """
    start = table.split_from or 0
    values = len(table.columns) - start
    count = -(-values // width)
    per = -(-values // count)
    for first in range(start, len(table.columns), per):
        yield table.part(first, min(first + per, len(table.columns)))
