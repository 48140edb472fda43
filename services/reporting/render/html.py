"""The annual report as one self-contained HTML page in the record's form, Dutch or English."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from services.reporting.domain.regimes import UNRATED
from services.reporting.render import charts
from services.reporting.render import other_tables as o
from services.reporting.render import tables as t
from services.reporting.render.i18n import DEFAULT_LANGUAGE, Locale, to_decimal
from services.reporting.render.style import CSS

# Value columns of a per-destination table on one printed A4 page; wider tables print in parts.
PRINT_COLUMNS = 5
# A table with up to this many rows is kept on one printed page.
_KEEP_ROWS = 14
# A table with this many columns or more prints in a smaller type to fit the page.
_DENSE_COLUMNS = 9
# A chart of licences per destination draws at most this many (the table has them all).
CHART_ROWS = 15


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _cell(cell: t.Cell, *, tag: str | None = None) -> str:
    tag = tag or ("th" if cell.kind == "head" else "td")
    attrs = ' scope="row"' if tag == "th" else ""
    if cell.kind not in ("text", "head"):
        attrs += f' class="{cell.kind}"'
    if cell.code is not None:
        attrs += f' data-code="{_esc(cell.code)}"'
    body = _esc(cell.text)
    if cell.items:
        body += '<ul class="reasons">' + "".join(f"<li>{_esc(i)}</li>" for i in cell.items)
        body += "</ul>"
    return f"<{tag}{attrs}>{body}</{tag}>"


def _column(col: t.Column) -> str:
    cls = f' class="{col.kind}"' if col.kind != "text" else ""
    label = (f'<abbr title="{_esc(col.title)}">{_esc(col.label)}</abbr>' if col.title
             else _esc(col.label))
    return f'<th scope="col"{cls}>{label}</th>'


def table_html(table: t.Table, *, part: str | None = None) -> str:
    """One table: a header row in words, the body, and its total row when it has one."""
    # A table per destination and category scrolls sideways with its names kept in view.
    classes = ["wide"] if table.split_from is not None else []
    if len(table.rows) <= _KEEP_ROWS:
        classes.append("keep")
    if len(table.columns) >= _DENSE_COLUMNS and table.split_from is None:
        classes.append("dense")
    attrs = f' data-table="{_esc(table.key)}"'
    if part:
        attrs += f' data-part="{_esc(part)}"'
    if classes:
        attrs += f' class="{" ".join(classes)}"'
    out = [f"<table{attrs}>"]
    if part:
        out.append(f"<caption>{_esc(part)}</caption>")
    out.append("<thead><tr>" + "".join(_column(c) for c in table.columns) + "</tr></thead>")
    out.append("<tbody>")
    for i, row in enumerate(table.rows):
        flagged = table.row_classes[i] if i < len(table.row_classes) else ""
        first, *rest = row
        out.append((f'<tr class="{flagged}">' if flagged else "<tr>")
                   + _cell(first, tag="th") + "".join(_cell(c) for c in rest) + "</tr>")
    if table.total:
        first, *rest = table.total
        out.append('<tr class="total">' + _cell(first, tag="th")
                   + "".join(_cell(c) for c in rest) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _block(loc: Locale, table: t.Table) -> str:
    """A table that scrolls sideways on a narrow screen, and prints in parts if too wide."""
    if not table.rows:
        return f'<p class="empty">{_esc(loc.t("none"))}</p>'
    screen = f'<div class="scroll">{table_html(table)}</div>'
    values = len(table.columns) - (table.split_from or 0)
    if table.split_from is None or values <= PRINT_COLUMNS:
        return screen
    chunks = list(t.parts(table, PRINT_COLUMNS))
    printed = "".join(
        table_html(chunk, part=loc.t("part_of", part=i, parts=len(chunks)))
        for i, chunk in enumerate(chunks, 1))
    return (f'<div class="screen-only">{screen}</div>'
            f'<div class="print-only">{printed}</div>')


def _figure(title: str, svg: str, codes: list[str] | None = None) -> str:
    attrs = f' data-codes="{_esc(",".join(codes))}"' if codes is not None else ""
    return (f'<figure class="chart"{attrs}><figcaption>{_esc(title)}</figcaption>'
            f"{svg}</figure>")


def _pair(table: str, figure: str) -> str:
    """A narrow table with its chart beside it (below it on a narrow screen and on paper)."""
    return f'<div class="pair">{table}{figure}</div>'


@dataclass
class _Section:
    key: str
    title: str
    body: str


@dataclass
class _Part:
    key: str
    title: str
    sections: list[_Section] = field(default_factory=list)
    intro: str = ""
    # A part of a table or two follows the previous part on its printed page.
    compact: bool = False


def _military(loc: Locale, doc: dict[str, Any], tables: dict[str, list[dict[str, Any]]]
              ) -> _Part:
    part = _Part("military", loc.t("part.military"))

    def add(key: str, body: str) -> None:
        part.sections.append(_Section(key, loc.t(key), body))

    add("military.summary", _block(loc, t.summary(loc, tables["military.summary"])))
    rows = tables["military.by_category"]
    body = _block(loc, t.by_category(loc, rows))
    if rows:
        body += _figure(loc.t("chart.by_category"), charts.by_category(loc, rows),
                        [str(r["category"]) for r in rows])
    add("military.by_category", body)
    add("military.by_destination",
        _block(loc, t.per_destination(loc, "military.by_destination",
                                      tables["military.by_destination"])))
    rows = sorted(tables["military.by_region"], key=lambda r: loc.region_rank(r["region"]))
    body = _block(loc, t.by_region(loc, rows))
    if rows:
        body = _pair(body, _figure(loc.t("chart.by_region"), charts.ranked_bars(
            loc, "by_region", [loc.region(r["region"]) for r in rows],
            [r["value_eur"] for r in rows], [loc.pct(r["share_pct"]) for r in rows],
            colour="#81a4cd"), [str(r["region"]) for r in rows]))
    add("military.by_region", body)
    # The chart draws exactly the table's rows: both leave out the collective destinations.
    rows = tables["military.top_destinations"]
    body = _block(loc, t.top_destinations(loc, rows))
    if rows:
        body = _pair(body, _figure(loc.t("chart.top"), charts.ranked_bars(
            loc, "top", [loc.country(r["destination"]) for r in rows],
            [r["value_eur"] for r in rows], [loc.pct(r["share_pct"]) for r in rows]),
            [str(r["destination"]) for r in rows]))
        body += f'<p class="note">{_esc(loc.t("note.top"))}</p>'
    add("military.top_destinations", body)
    add("military.denials", _block(loc, t.denials(loc, tables["military.denials"])))
    add("military.transit",
        _block(loc, t.per_destination(loc, "military.transit", tables["military.transit"])))
    add("military.brokering", _block(loc, t.brokering(loc, tables["military.brokering"])))
    return part


def _note(loc: Locale, key: str, **values: Any) -> str:
    return f'<p class="note">{_esc(loc.t(key, **values))}</p>'


def _general_licences(loc: Locale, tables: dict[str, list[dict[str, Any]]]) -> _Part:
    part = _Part("general_licences", loc.t("part.general_licences"))
    rows = tables["general_licences"]
    if not rows:
        part.intro = f'<p class="empty">{_esc(loc.t("none"))}</p>'
        return part
    part.intro = _note(loc, "note.general_licences")
    part.sections.append(_Section(
        "general_licences.totals", loc.t("general_licences.totals"),
        _block(loc, t.general_licence_totals(loc, rows, tables["general_licences_totals"]))))
    for code in sorted({str(r["licence"]) for r in rows}):
        title = loc.t("general_licences.one", code=code, covers=loc.t(f"licence.{code}", ""))
        part.sections.append(_Section(f"general_licences.{code}", title.rstrip(": "),
                                      _block(loc, t.general_licence(loc, code, rows))))
    return part


def _individual_by_destination(loc: Locale, rows: list[dict[str, Any]]) -> str:
    """The record's figure 6: the table of every destination, and the chart of those with the
    most licences."""
    body = _block(loc, t.dual_use_by_destination(loc, rows))
    if not rows:
        return body
    charted = sorted(rows, key=lambda r: (-int(r["licences"]), -to_decimal(r["value_eur"]),
                                          loc.sort_key(loc.country(r["destination"]))))
    charted = charted[:CHART_ROWS]
    title = (loc.t("chart.du_destination") if len(charted) == len(rows)
             else loc.t("chart.du_destination_top", count=len(charted)))
    figure = _figure(title, charts.count_bars(
        loc, "du_destination", [loc.country(r["destination"]) for r in charted],
        [int(r["licences"]) for r in charted], [loc.millions(r["value_eur"]) for r in charted]),
        [str(r["destination"]) for r in charted])
    return _pair(body, figure) + _note(loc, "note.du_individual")


def _individual_by_category(loc: Locale, rows: list[dict[str, Any]], issued: int) -> str:
    """The record's figure 7: licences per Annex I category, table and chart."""
    if not issued:
        return f'<p class="empty">{_esc(loc.t("none"))}</p>'
    # The bars carry the categories' numbers: their names are in the table beside.
    figure = _figure(loc.t("chart.du_category"), charts.column_counts(
        loc, "du_category", [str(r["category"]) if r["category"] != UNRATED else "–"
                             for r in rows],
        [int(r["licences"]) for r in rows], axis="axis.annex_i_category"),
        [str(r["category"]) for r in rows])
    return (_pair(_block(loc, t.dual_use_by_category(loc, rows, issued)), figure)
            + _note(loc, "note.du_category"))


def _dual_use(loc: Locale, tables: dict[str, list[dict[str, Any]]]) -> _Part:
    individual = next((r for r in tables["dual_use.by_type"] if r["type"] == "individual"),
                      {"issued": 0})
    return _multi(loc, "dual_use", [
        ("dual_use.by_type", _block(loc, t.dual_use_by_type(loc, tables["dual_use.by_type"]))),
        ("dual_use.by_destination",
         _individual_by_destination(loc, tables["dual_use.by_destination"])),
        ("dual_use.by_category", _individual_by_category(
            loc, tables["dual_use.by_category"], int(individual["issued"]))),
        ("dual_use.top_destinations",
         _block(loc, t.dual_use_top(loc, tables["dual_use.top_destinations"]))),
        ("dual_use.denials", _block(loc, t.denials(loc, tables["dual_use.denials"],
                                                   "dual_use.denials", grounds=True))),
    ])


def _multi(loc: Locale, part_key: str, sections: list[tuple[str, str]], *,
           compact: bool = False) -> _Part:
    """A part of the report: each section a table (or "none this year") under its title."""
    part = _Part(part_key, loc.t(f"part.{part_key}"), compact=compact)
    part.sections.extend(_Section(key, loc.t(key), body) for key, body in sections)
    return part


def _sources(loc: Locale, rows: list[dict[str, Any]]) -> str:
    """Where each run of years of the history is from: `2000–2023: ...; 2024: event log`."""
    runs: list[tuple[int, int, str]] = []
    for row in sorted(rows, key=lambda r: int(r["year"])):
        year, source = int(row["year"]), str(row["source"])
        if runs and runs[-1][2] == source and runs[-1][1] == year - 1:
            runs[-1] = (runs[-1][0], year, source)
        else:
            runs.append((year, year, source))
    return "; ".join(f"{first}–{last}: {loc.t('source.' + source, source)}" if first != last
                     else f"{first}: {loc.t('source.' + source, source)}"
                     for first, last, source in runs)


def _history(loc: Locale, rows: list[dict[str, Any]]) -> _Part:
    body = _block(loc, o.history(loc, rows))
    if rows:
        body += (_note(loc, "note.history")
                 + f'<p class="note sources">'
                 f'{_esc(loc.t("note.history_sources", sources=_sources(loc, rows)))}</p>'
                 + '<div class="charts">'
                 + _figure(loc.t("chart.history_value"), charts.history_value(loc, rows))
                 + _figure(loc.t("chart.history_rate"), charts.history_rate(loc, rows))
                 + "</div>")
    return _multi(loc, "history", [("history", body)])


def _cards(loc: Locale, summary: dict[str, Any]) -> str:
    cards = [("card.applications", loc.integer(summary["applications"])),
             ("card.approved", loc.integer(summary["approved"])),
             ("card.denied", loc.integer(summary["denied"])),
             ("card.denial_rate", loc.pct(summary["denial_rate_pct"])),
             ("card.total_value", loc.millions(summary["total_value_eur"]))]
    return ('<div class="cards">' + "".join(
        f'<div class="card" data-figure="{key.split(".", 1)[1]}">{_esc(loc.t(key))}'
        f"<b>{_esc(value)}</b></div>" for key, value in cards) + "</div>")


def _part_html(part: _Part) -> str:
    classes = "part compact" if part.compact else "part"
    out = [f'<section class="{classes}" id="part-{_esc(part.key)}"><h2>{_esc(part.title)}</h2>',
           part.intro]
    for section in part.sections:
        out.append(f'<section class="table" id="{_esc(section.key)}">'
                   f"<h3>{_esc(section.title)}</h3>{section.body}</section>")
    out.append("</section>")
    return "".join(out)


def _contents(loc: Locale, parts: list[_Part]) -> str:
    items = []
    for part in parts:
        subs = "".join(f'<li><a href="#{_esc(s.key)}">{_esc(s.title)}</a></li>'
                       for s in part.sections)
        items.append(f'<li><a href="#part-{_esc(part.key)}">{_esc(part.title)}</a>'
                     + (f"<ol>{subs}</ol>" if len(part.sections) > 1 else "") + "</li>")
    return (f'<nav class="contents"><h2>{_esc(loc.t("contents"))}</h2><ol>{"".join(items)}'
            "</ol></nav>")


def to_html(doc: dict[str, Any], tables: dict[str, list[dict[str, Any]]], *,
            lang: str = DEFAULT_LANGUAGE) -> str:
    """The whole report as one HTML page with no external assets, in `lang` (nl or en)."""
    loc = Locale(lang)
    year = doc["year"]
    title = loc.t("title", year=year)
    stand = (loc.t("meta.as_of", moment=loc.moment(doc["as_of"])) if doc.get("as_of")
             else loc.t("meta.live"))
    parts = [
        _military(loc, doc, tables),
        _general_licences(loc, tables),
        _dual_use(loc, tables),
        _multi(loc, "national", [
            ("national", _block(loc, t.national(loc, tables["national"]))
             + _note(loc, "note.national"))], compact=True),
        _multi(loc, "anti_torture", [
            ("anti_torture", _block(loc, t.anti_torture(loc, tables["anti_torture"]))),
            ("anti_torture_denials", _block(loc, t.denials(
                loc, tables["anti_torture_denials"], "anti_torture_denials", criteria=None,
                grounds=True)))]),
        _multi(loc, "parliament", [
            ("parliament_fast_track",
             _block(loc, o.fast_track(loc, tables["parliament_fast_track"]))),
            ("parliament.documents",
             _block(loc, o.documents(loc, tables["parliament.documents"])))]),
        _multi(loc, "consultations", [
            ("consultations", _block(loc, o.consultations(loc, tables["consultations"]))),
            ("consultations_share",
             _block(loc, o.consultation_share(loc, tables["consultations_share"]))
             + _note(loc, "note.consultations_share"))], compact=True),
        _multi(loc, "enforcement", [
            ("enforcement", _block(loc, o.enforcement(loc, tables["enforcement"])))],
            compact=True),
        _history(loc, tables["history"]),
    ]
    method = _Part("method", loc.t("part.method"),
                   intro=f'<p class="method">{_esc(loc.t("method"))}</p>')
    return "".join([
        f'<!DOCTYPE html><html lang="{loc.lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>",
        f'<header><h1>{_esc(title)}</h1><p class="subtitle">{_esc(loc.t("subtitle"))}</p>',
        f'<p class="meta">{_esc(stand)} {_esc(loc.t("meta.amounts"))}</p>',
        (f'<p class="note withheld">'
         f'{_esc(loc.t("meta.withheld", count=doc["withheld_confidential"]))}</p>'
         if doc.get("withheld_confidential") else ""),
        _cards(loc, tables["military.summary"][0]), "</header>",
        _contents(loc, [*parts, method]),
        *(_part_html(p) for p in parts), _part_html(method), "</body></html>",
    ])
