"""The annual report as one self-contained HTML page: tables, inline SVG charts, a method note."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from services.reporting.domain.applications import category_order
from services.reporting.render.csv_tables import COLUMNS

_TITLES = {
    "military.summary": "Military goods: summary",
    "military.by_category": "Military goods: licence value per ML category",
    "military.by_destination": "Military goods: value per destination and ML category",
    "military.by_region": "Military goods: value per region",
    "military.top_destinations": "Military goods: top five destinations",
    "military.denials": "Military goods: denials",
    "military.transit": "Transit licences per destination",
    "military.brokering": "Brokering licences",
    "general_licences": "Realisations under general licences",
    "dual_use.by_type": "Dual-use goods: licences per type",
    "dual_use.top_destinations": "Dual-use goods: top ten destinations of realised exports",
    "anti_torture": "Anti-torture goods per annex",
    "parliament_fast_track": "Fast-track notifications to parliament",
    "consultations": "Consultations (COARM)",
    "history": "Value and denial rate per year",
}

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2733;max-width:1100px;
margin:2rem auto;padding:0 1.2rem}h1{font-size:1.8rem;margin-bottom:.2rem}
h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:2px solid #d7dee6;padding-bottom:.2rem}
.meta{color:#5a6978}table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.9rem}
th,td{padding:.25rem .7rem;border-bottom:1px solid #e3e8ee;text-align:left;vertical-align:top}
th{background:#f2f5f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}.card{background:#f2f5f8;
border-radius:8px;padding:.7rem 1rem;min-width:9rem}.card b{display:block;font-size:1.3rem}
.chart svg{max-width:100%;height:auto}.empty{color:#8895a3;font-style:italic}
.note{background:#fbf8ef;border-left:4px solid #e3c46b;padding:.6rem 1rem;font-size:.9rem}
"""

_NOTE = """The value of a licence is its licence value (the most that may be exported under it),
not what was shipped, and a licence is reported in the year of its decision (Europe/Amsterdam).
The value tables count definitive exports and transfers; transit and brokering have tables of
their own. Temporary exports and returns after repair are left out; an extension or replacement
counts only for the amount by which it raises the value of the licence it amends. A licence to
one country is shown under that country, a global licence to a destination group under the
group (EU or EU_NATO_PLUS), a licence to several named countries under VARIOUS. Application
counts include every military application decided in the year, sondages included; the denial
rate is denied / decided. Percentages are computed from exact amounts and rounded half up to two
decimals. Dual-use realised exports are shipments under licences plus general-licence
realisations."""


def _num(text: Any) -> float:
    try:
        return float(Decimal(str(text)))
    except ArithmeticError:
        return 0.0


def _svg(draw: Callable[[Any], None], *, money_axis: str | None = None, width: float = 8.0,
         height: float = 3.6) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    # A fixed salt and no date: the same report draws the same bytes.
    matplotlib.rcParams["svg.hashsalt"] = "annual-report"
    fig, ax = plt.subplots(figsize=(width, height))
    try:
        draw(ax)
        ax.spines[["top", "right"]].set_visible(False)
        if money_axis is not None:
            axis = ax.xaxis if money_axis == "x" else ax.yaxis
            axis.set_major_formatter(FuncFormatter(lambda v, _p: f"€{v / 1e6:,.1f}M"))
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    text = buf.getvalue()
    return re.sub(r"<metadata>.*?</metadata>", "", text[text.find("<svg"):], flags=re.S)


def _bar_chart(labels: list[str], values: list[float], *, horizontal: bool = False,
               colour: str = "#2f6690") -> str:
    def draw(ax: Any) -> None:
        if horizontal:
            ax.barh(labels[::-1], values[::-1], color=colour)
        else:
            ax.bar(labels, values, color=colour)
            ax.tick_params(axis="x", labelrotation=45 if len(labels) > 8 else 0)
    return _svg(draw, money_axis="x" if horizontal else "y")


def _history_charts(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    if not rows:
        return []
    years = [str(r["year"]) for r in rows]
    eu = [_num(r["eu_nato_plus_value_eur"]) for r in rows]
    other = [_num(r["other_value_eur"]) for r in rows]
    rate = [_num(r["denial_rate_pct"]) for r in rows]

    def values(ax: Any) -> None:
        ax.bar(years, eu, color="#2f6690", label="EU/NATO+")
        ax.bar(years, other, bottom=eu, color="#d9a441", label="other destinations")
        ax.legend(frameon=False)

    def denial(ax: Any) -> None:
        ax.plot(years, rate, marker="o", color="#b23a48")
        ax.set_ylabel("denial rate (%)")
        ax.set_ylim(bottom=0)

    return [("Value of issued licences per year, EU/NATO+ versus other",
             _svg(values, money_axis="y")),
            ("Denial rate per year", _svg(denial))]


def _charts(doc: dict[str, Any]) -> list[tuple[str, str]]:
    mil = doc["military"]
    charts = []
    if mil["by_category"]:
        charts.append(("Licence value per ML category", _bar_chart(
            [r["category"] for r in mil["by_category"]],
            [_num(r["value_eur"]) for r in mil["by_category"]])))
    top = mil["by_destination"][:10]
    if top:
        charts.append(("Top destinations by licence value", _bar_chart(
            [r["destination"] for r in top], [_num(r["total_eur"]) for r in top],
            horizontal=True, colour="#3a7d44")))
    if mil["by_region"]:
        charts.append(("Licence value per region", _bar_chart(
            [r["region"] for r in mil["by_region"]],
            [_num(r["value_eur"]) for r in mil["by_region"]],
            horizontal=True, colour="#81a4cd")))
    return charts + _history_charts(doc.get("history", []))


def _table(name: str, rows: list[dict[str, Any]]) -> str:
    esc = html.escape
    if not rows:
        return '<p class="empty">Nothing to report.</p>'
    columns = COLUMNS.get(name) or list(rows[0])
    header: list[str] = []
    spread: list[str] = []
    if "values" in columns:
        spread = sorted({k for r in rows for k in r.get("values", {})}, key=category_order)
    for col in columns:
        header.extend(spread if col == "values" else [col.replace("_", " ")])
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in header), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for col in columns:
            cells = ([row.get("values", {}).get(k, "") for k in spread] if col == "values"
                     else [row.get(col)])
            for value in cells:
                if isinstance(value, list):
                    value = ", ".join(str(v) for v in value)
                elif isinstance(value, bool):
                    value = "yes" if value else "no"
                text = "" if value is None else str(value)
                numeric = text.replace(".", "", 1).replace("-", "", 1).isdigit()
                out.append(f'<td class="num">{esc(text)}</td>' if numeric
                           else f"<td>{esc(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def to_html(doc: dict[str, Any], tables: dict[str, list[dict[str, Any]]]) -> str:
    """The whole report as one HTML page with no external assets."""
    esc = html.escape
    year = doc["year"]
    summary = doc["military"]["summary"][0]
    cards = [("Military applications decided", summary["applications"]),
             ("Approved", summary["approved"]), ("Denied", summary["denied"]),
             ("Denial rate", f"{summary['denial_rate_pct']}%"),
             ("Total licence value", f"€ {summary['total_value_eur']}")]
    stand = (f"as it stood at {esc(str(doc['as_of']))}" if doc.get("as_of")
             else "as corrected to date")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Annual report {year}: export of strategic goods</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Export of strategic goods: annual report {year}</h1>",
        f"<p class='meta'>Built from the event log, {stand}. Amounts in euros.</p>",
        "<div class='cards'>",
        *(f"<div class='card'>{esc(k)}<b>{esc(str(v))}</b></div>" for k, v in cards),
        "</div>",
        "<h2>Charts</h2>",
        *(f"<h3>{esc(title)}</h3><div class='chart'>{svg}</div>" for title, svg in _charts(doc)),
    ]
    for name, rows in tables.items():
        parts.append(f"<h2 id='{esc(name)}'>{esc(_TITLES.get(name, name))}</h2>")
        parts.append(_table(name, rows))
    parts.append(f"<h2>Methodology</h2><p class='note'>{esc(_NOTE)}</p></body></html>")
    return "".join(parts)
