"""The report's charts as inline SVG (matplotlib): axis titles, legends clear of the data."""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from services.reporting.render.i18n import Locale, to_decimal

_BLUE, _GOLD, _GREEN, _RED, _LIGHT = "#2f6690", "#d9a441", "#3a7d44", "#b23a48", "#81a4cd"
_MILLION = Decimal(1_000_000)
# Fewer slots than this on a year axis and the bars would be as wide as the chart.
_MIN_YEAR_SLOTS = 6
# Up to this many years each gets a labelled bar; a longer series reads better as a line.
_LONG_SERIES = 14
# A bar's label longer than this is set on two lines, so that the bars keep the chart's width.
_LABEL_WIDTH = 24


def _millions(value: Any) -> float:
    # Floats only for drawing: every figure in a table is formatted from the exact Decimal.
    return float(to_decimal(value) / _MILLION)


def _tick(loc: Locale, value: float) -> str:
    text = loc.number(Decimal(f"{float(value):.6f}"), places=2)
    point = "," if loc.lang == "nl" else "."
    return text.rstrip("0").rstrip(point) if point in text else text


def _svg(draw: Callable[[Any], None], *, name: str, width: float = 8.0,
         height: float = 3.6) -> str:
    import matplotlib
    from matplotlib.figure import Figure

    # A fixed salt per chart and no date: the same report draws the same bytes. A Figure of
    # its own (not pyplot's global state) so that two reports may be drawn at once.
    matplotlib.rcParams["svg.hashsalt"] = f"annual-report-{name}"
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    draw(ax)
    ax.spines[["top", "right"]].set_visible(False)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    svg = re.sub(r"<metadata>.*?</metadata>", "", text[text.find("<svg"):], flags=re.S)
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _money_axis(loc: Locale, axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, min_n_ticks=3))
    axis.set_major_formatter(FuncFormatter(lambda v, _p: _tick(loc, v)))


def by_category(loc: Locale, rows: list[dict[str, Any]]) -> str:
    """Vertical bars: licence value per ML category."""
    labels = [str(r["category"]) for r in rows]
    values = [_millions(r["value_eur"]) for r in rows]

    def draw(ax: Any) -> None:
        ax.bar(labels, values, color=_BLUE, width=0.7)
        ax.set_xlabel(loc.t("axis.category"))
        ax.set_ylabel(loc.t("axis.millions"))
        ax.tick_params(axis="x", labelsize=8 if len(labels) > 12 else 10)
        ax.grid(axis="y", color="#e3e8ee")
        ax.set_axisbelow(True)
        if len(labels) < _MIN_YEAR_SLOTS:
            ax.set_xlim(-0.5 - (_MIN_YEAR_SLOTS - len(labels)) / 2,
                        len(labels) - 0.5 + (_MIN_YEAR_SLOTS - len(labels)) / 2)
        _money_axis(loc, ax.yaxis)
    return _svg(draw, name="by_category")


def ranked_bars(loc: Locale, name: str, labels: list[str], values: list[Any],
                notes: list[str], *, colour: str = _GREEN) -> str:
    """Horizontal bars, first label on top, each with a note (its share) at its end."""
    amounts = [_millions(v) for v in values]

    def draw(ax: Any) -> None:
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, amounts, color=colour, height=0.6)
        ax.set_yticks(positions, labels)
        top = max(amounts, default=0.0) or 1.0
        for y, amount, note in zip(positions, amounts, notes, strict=True):
            ax.annotate(note, (amount, y), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=9, color="#3d4a57")
        ax.set_xlim(0, top * 1.2)  # room at the right for the notes
        ax.set_ylim(-0.6, len(labels) - 0.4)
        ax.set_xlabel(loc.t("axis.millions"))
        ax.grid(axis="x", color="#e3e8ee")
        ax.set_axisbelow(True)
        _money_axis(loc, ax.xaxis)
    return _svg(draw, name=name, width=6.8,
                height=max(1.9, 0.42 * len(labels) + 1.2))


def count_bars(loc: Locale, name: str, labels: list[str], counts: list[int],
               notes: list[str], *, colour: str = _BLUE) -> str:
    """Horizontal bars of a number of licences, first label on top, each with a note at its
    end (its value); whole numbers on the axis."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    wrapped = [textwrap.fill(label, _LABEL_WIDTH) for label in labels]
    row = 0.5 if any("\n" in label for label in wrapped) else 0.36

    def draw(ax: Any) -> None:
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, counts, color=colour, height=0.6)
        ax.set_yticks(positions, wrapped)
        for y, count, note in zip(positions, counts, notes, strict=True):
            ax.annotate(note, (count, y), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=9, color="#3d4a57")
        # Room at the right for the notes, which are wider than a short bar.
        ax.set_xlim(0, (max(counts, default=0) or 1) * 1.35)
        ax.set_ylim(-0.6, len(labels) - 0.4)
        ax.set_xlabel(loc.t("axis.licences"))
        ax.grid(axis="x", color="#e3e8ee")
        ax.set_axisbelow(True)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: loc.integer(int(v))))
    return _svg(draw, name=name, width=6.8, height=max(1.9, row * len(labels) + 1.2))


def column_counts(loc: Locale, name: str, labels: list[str], counts: list[int], *,
                  axis: str, colour: str = _GREEN) -> str:
    """Vertical bars of a number of licences per short label (an Annex I category's number),
    each count written above its bar; whole numbers on the axis."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    def draw(ax: Any) -> None:
        positions = list(range(len(labels)))
        ax.bar(positions, counts, color=colour, width=0.65)
        ax.set_xticks(positions, labels)
        for x, count in zip(positions, counts, strict=True):
            ax.annotate(loc.integer(count), (x, count), xytext=(0, 3),
                        textcoords="offset points", ha="center", fontsize=9)
        ax.set_ylim(0, (max(counts, default=0) or 1) * 1.18)
        ax.set_xlabel(loc.t(axis))
        ax.set_ylabel(loc.t("axis.licences"))
        ax.grid(axis="y", color="#e3e8ee")
        ax.set_axisbelow(True)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: loc.integer(int(v))))
    return _svg(draw, name=name, width=6.4, height=3.4)


def _year_axis(ax: Any, years: list[str], loc: Locale) -> list[int]:
    positions = list(range(len(years)))
    ax.set_xticks(positions, years, rotation=90 if len(years) > _LONG_SERIES else 0)
    pad = max(0.0, (_MIN_YEAR_SLOTS - len(years)) / 2)
    ax.set_xlim(-0.6 - pad, len(years) - 0.4 + pad)
    ax.set_xlabel(loc.t("axis.year"))
    return positions


def history_value(loc: Locale, rows: list[dict[str, Any]]) -> str:
    """Stacked bars per year: EU/NATO+ and other destinations, the legend above the plot."""
    years = [str(r["year"]) for r in rows]
    eu = [_millions(r["eu_nato_plus_value_eur"]) for r in rows]
    other = [_millions(r["other_value_eur"]) for r in rows]

    def draw(ax: Any) -> None:
        x = _year_axis(ax, years, loc)
        ax.bar(x, eu, color=_BLUE, width=0.6, label=loc.t("legend.eu_nato_plus"))
        ax.bar(x, other, bottom=eu, color=_GOLD, width=0.6, label=loc.t("legend.other"))
        ax.set_ylabel(loc.t("axis.millions"))
        ax.set_ylim(0, max((a + b for a, b in zip(eu, other, strict=True)), default=0) * 1.08
                    or 1)
        ax.grid(axis="y", color="#e3e8ee")
        ax.set_axisbelow(True)
        # Outside the axes, above them: a legend inside would sit on a bar.
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=2, frameon=False,
                  borderaxespad=0)
        _money_axis(loc, ax.yaxis)
    return _svg(draw, name="history_value")


def history_rate(loc: Locale, rows: list[dict[str, Any]]) -> str:
    """The denial rate per year: labelled bars for a short series, a line for a long one."""
    years = [str(r["year"]) for r in rows]
    rates = [float(to_decimal(r["denial_rate_pct"])) for r in rows]

    def draw(ax: Any) -> None:
        x = _year_axis(ax, years, loc)
        if len(years) <= _LONG_SERIES:
            ax.bar(x, rates, color=_RED, width=0.6)
            for xi, rate, row in zip(x, rates, rows, strict=True):
                ax.annotate(loc.pct(row["denial_rate_pct"]), (xi, rate), xytext=(0, 3),
                            textcoords="offset points", ha="center", fontsize=9)
        else:
            ax.plot(x, rates, marker="o", markersize=3.5, color=_RED, linewidth=1.8)
        ax.set_ylabel(loc.t("axis.rate"))
        ax.set_ylim(0, max(max(rates, default=0) * 1.2, 5))
        ax.grid(axis="y", color="#e3e8ee")
        ax.set_axisbelow(True)
        ax.yaxis.set_major_formatter(_percent(loc))
    return _svg(draw, name="history_rate")


def _percent(loc: Locale) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _p: f"{_tick(loc, v)}%")
