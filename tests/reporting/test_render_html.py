"""The HTML report read back by a parser: its names, amounts and totals against the JSON.

Rendered from the golden 2024 report (the scenario the e2e test drives) and from a generated
year with every section filled, in Dutch and in English.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from services.reporting.domain import build_report, evolve
from services.reporting.domain.facts import Facts
from services.reporting.domain.report import TABLES, table
from services.reporting.render import to_html
from services.reporting.render.html import CHART_ROWS, PRINT_COLUMNS
from services.reporting.render.i18n import Locale
from services.reporting.sources import load_sources
from shared.reference import load_reference
from tests.reporting.generate import generate
from tests.reporting.history import History

GOLDEN = Path(__file__).parent / "golden" / "annual_2024.json"
GROUNDS = Path(__file__).parents[2] / "shared" / "reference" / "data" / "refusal_grounds.json"
ANNEX_I = Path(__file__).parents[2] / "services" / "reporting" / "data" / "annex_i_categories.json"
NONE = {"nl": "Geen in dit jaar.", "en": "None this year."}
DATA = Path(__file__).parents[2] / "services" / "reporting" / "render" / "data"
REGIONS = Path(__file__).parents[2] / "shared" / "reference" / "data" / "regions.json"
NBSP = "\u00a0"
MONEY = {"nl": re.compile(r"^(-?)€\u00a0(\d{1,3}(?:\.\d{3})*),(\d{2})$"),
         "en": re.compile(r"^(-?)€(\d{1,3}(?:,\d{3})*)\.(\d{2})$")}
PSEUDO = {"EU", "EU_NATO_PLUS", "VARIOUS"}
NAMES = {  # as the record writes them
    "nl": {"US": "Verenigde Staten", "UA": "Oekraïne", "GB": "Verenigd Koninkrijk",
           "VARIOUS": "Diverse", "EU_NATO_PLUS": "EU/NAVO+", "EU": "Europese Unie",
           "DE": "Duitsland", "KR": "Zuid-Korea"},
    "en": {"US": "United States", "UA": "Ukraine", "GB": "United Kingdom",
           "VARIOUS": "Various", "EU_NATO_PLUS": "EU/NATO+", "EU": "European Union",
           "DE": "Germany", "KR": "South Korea"},
}
LANGS = ("nl", "en")


# A small DOM ----------------------------------------------------------------------------------
@dataclass
class Node:
    """An element of the parsed page (SVG content left out)."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, tag: str, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and all(child.attrs.get(k) == v for k, v in attrs.items()):
                    found.append(child)
                found.extend(child.all(tag, **attrs))
        return found

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def within(self, cls: str) -> bool:
        node = self.parent
        while node is not None:
            if cls in node.classes():
                return True
            node = node.parent
        return False


class _Parser(HTMLParser):
    VOID = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.node = self.root
        self.svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.svg_depth or tag == "svg":
            self.svg_depth += 1
            if tag == "svg":
                self.node.children.append(Node("svg", {}, parent=self.node))
            return
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.node)
        self.node.children.append(node)
        if tag not in self.VOID:
            self.node = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.svg_depth:
            self.node.children.append(Node(tag, {k: v or "" for k, v in attrs},
                                           parent=self.node))

    def handle_endtag(self, tag: str) -> None:
        if self.svg_depth:
            self.svg_depth -= 1
            return
        if tag in self.VOID:
            return
        assert self.node.tag == tag, f"</{tag}> closes <{self.node.tag}>"
        assert self.node.parent is not None
        self.node = self.node.parent

    def handle_data(self, data: str) -> None:
        if not self.svg_depth:
            self.node.children.append(data)


def parse(page: str) -> Node:
    """The page as a tree; unbalanced tags fail the test."""
    parser = _Parser()
    parser.feed(page)
    parser.close()
    assert parser.node is parser.root, "unclosed elements"
    return parser.root


@dataclass
class Grid:
    """One rendered table: its header labels, body rows and total row as cell nodes."""

    node: Node
    header: list[str]
    rows: list[list[Node]]
    total: list[Node] | None

    def column(self, label: str) -> int:
        return self.header.index(label)


def grid(node: Node) -> Grid:
    header = [th.text() for th in node.all("thead")[0].all("th")]
    rows, total = [], None
    for tr in node.all("tbody")[0].all("tr"):
        cells = [c for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th")]
        if "total" in tr.classes():
            total = cells
        else:
            rows.append(cells)
    return Grid(node, header, rows, total)


def tables_of(page: Node, key: str) -> list[Node]:
    return page.all("table", **{"data-table": key})


def screen_table(page: Node, key: str) -> Grid:
    """The table as the screen shows it (a wide table is printed in parts besides)."""
    found = [t for t in tables_of(page, key) if not t.within("print-only")]
    assert len(found) == 1, f"{key}: {len(found)} screen tables"
    return grid(found[0])


def section(page: Node, key: str) -> Node:
    found = page.all("section", id=key)
    assert len(found) == 1, key
    return found[0]


# Reading figures back -------------------------------------------------------------------------
def money(text: str, lang: str) -> Decimal:
    """An amount as shown, strictly in the language's format."""
    match = MONEY[lang].match(text)
    assert match, f"{text!r} is not an amount in the {lang} format"
    sign, whole, cents = match.groups()
    return Decimal(f"{sign}{whole.replace('.', '').replace(',', '')}.{cents}")


def count(text: str, lang: str) -> int:
    sep = "." if lang == "nl" else ","
    assert re.fullmatch(rf"\d{{1,3}}(\{sep}\d{{3}})*", text), text
    return int(text.replace(sep, ""))


def pct(text: str, lang: str) -> Decimal:
    point = "," if lang == "nl" else "."
    assert re.fullmatch(rf"\d+\{point}\d{{2}}%", text), text
    return Decimal(text[:-1].replace(point, "."))


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


def unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).casefold()


def country_names() -> dict[str, dict[str, str]]:
    data = json.loads((DATA / "countries.json").read_text(encoding="utf-8"))
    return {**data["countries"], **data["groups"]}


# The reports ----------------------------------------------------------------------------------
def render(doc: dict[str, Any], lang: str) -> str:
    """The HTML of `doc` as the service renders it."""
    return to_html(doc, {name: table(doc, name) for name in TABLES}, lang=lang)


def golden_doc() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text())  # type: ignore[no-any-return]


def rich_history() -> History:
    """A generated 2024 (and the years before), and beside it what a generated year does not
    draw: a row flagged for two reasons, denials on grounds beside the criteria, the national
    measures, every kind of document sent to parliament, investigations, and a confidential
    licence still withheld."""
    h = generate(seed=11, applications=600)
    for flag in ("NL003 does not cover destination CN", "rating ML22 outside NL003"):
        h.realise("NL003", country="CN", value_eur="1200.00", ratings=("ML22",), flagged=True,
                  flag=flag)
    h.decide(h.submit(regime="dual_use", destinations=("IR",), goods=(("3A001", "9000.00"),)),
             "denied", criteria=(1,), grounds=("art4-wmd",),
             decided_at="2024-05-02T10:00:00+00:00")
    h.decide(h.submit(regime="dual_use", destinations=("RU",), goods=(("5A002.a", "1.50"),)),
             "denied", grounds=("art15-sanctions", "art15-end-use-diversion"),
             decided_at="2024-07-09T10:00:00+00:00")
    h.decide(h.submit(regime="anti_torture", destinations=("BR",), goods=(("III.1", "500.00"),),
                      end_use="riot control by police"),
             "denied", grounds=("annex-iii-torture",), decided_at="2024-08-14T10:00:00+00:00")
    national = {"regime": "national", "destinations": ("CN",)}
    h.decide(h.submit(**national, goods=(("3B993", "700000.00"),)),
             decided_at="2024-12-05T10:00:00+00:00")
    h.decide(h.submit(**national, goods=(("3B993", "50000.00"),)), "denied", criteria=(7,),
             decided_at="2024-12-06T10:00:00+00:00")
    saudi = h.decide(h.submit(destinations=("SA",), goods=(("ML4", "3100000.00"),),
                              complete_system=True), decided_at="2024-02-26T10:00:00+00:00")
    ukraine = h.decide(h.submit(destinations=("UA",), goods=(("ML4", "2500000.00"),),
                                complete_system=True), decided_at="2024-06-03T10:00:00+00:00")
    assert saudi and ukraine
    h.fast_track(saudi, value_eur="3100000.00", decided_on="2024-02-26", destination="SA",
                 sent_on="2024-03-08", explanation="Luchtverdediging van de kritieke "
                 "infrastructuur; het risico op inzet in Jemen is gewogen onder criterium 7.")
    h.fast_track(ukraine, value_eur="2500000.00", decided_on="2024-06-03", destination="UA",
                 kind="periodic_letter")
    h.letter("Kamerbrief 2024-0002", sent_on="2024-06-20", numbers=(ukraine,))
    h.letter("Kamerbrief 2024-0003", sent_on="2024-09-12", numbers=(), destination="EE",
             kind="defence_surplus_notice",
             note="Voorgenomen verkoop van overtollige pantserhouwitsers aan Estland.")
    h.investigation(referred_on="2023-11-01", outcome="warning", concluded_on="2024-02-01")
    h.investigation(referred_on="2024-03-01", outcome="fine", concluded_on="2024-09-01")
    h.investigation(referred_on="2024-05-01")
    secret = h.decide(h.submit(destinations=("UA",), goods=(("ML6", "800000.00"),)),
                      decided_at="2024-10-01T10:00:00+00:00")
    assert secret
    h.confidential(secret, release_on="2999-01-01")
    return h


def rich_doc() -> dict[str, Any]:
    """The rich history's 2024 report, with the published series and the EU's totals."""
    facts: Facts = {}
    for env in rich_history().dicts():
        evolve(facts, env)
    sources = load_sources()
    doc = build_report(2024, facts, load_reference(), on=dt.date(2025, 3, 1),
                       published=sources.published, eu_consultations=sources.eu_consultations)
    assert len([r for r in doc["general_licences"] if r["flagged"]]) >= 2
    doc["parliament_fast_track"][0]["sent_on"] = None
    return doc


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    return {"golden": golden_doc(), "rich": rich_doc()}


@pytest.fixture(scope="module")
def pages(docs: dict[str, dict[str, Any]]) -> dict[tuple[str, str], Node]:
    return {(name, lang): parse(render(doc, lang)) for name, doc in docs.items()
            for lang in LANGS}


CASES = [(name, lang) for name in ("golden", "rich") for lang in LANGS]


@pytest.fixture(params=CASES, ids=[f"{n}-{lang}" for n, lang in CASES])
def case(request: pytest.FixtureRequest, docs: dict[str, dict[str, Any]],
         pages: dict[tuple[str, str], Node]) -> tuple[dict[str, Any], Node, str]:
    name, lang = request.param
    return docs[name], pages[(name, lang)], lang


Case = tuple[dict[str, Any], Node, str]


# The page as a whole --------------------------------------------------------------------------
def test_the_page_is_in_the_language_asked_for(case: Case) -> None:
    doc, page, lang = case
    assert page.all("html")[0].attrs["lang"] == lang
    title = page.all("h1")[0].text()
    assert title == ("Het Nederlandse exportcontrolebeleid in 2024" if lang == "nl"
                     else "Dutch export control policy in 2024")


def test_dutch_is_the_default_and_another_language_is_refused(docs: dict[str, Any]) -> None:
    doc = docs["golden"]
    tables = {name: table(doc, name) for name in TABLES}
    assert to_html(doc, tables) == render(doc, "nl")
    with pytest.raises(ValueError, match="language"):
        to_html(doc, tables, lang="de")


def test_ids_are_unique_and_every_link_has_its_target(case: Case) -> None:
    _doc, page, _lang = case
    ids = [n.attrs["id"] for tag in ("section", "nav", "div", "table") for n in page.all(tag)
           if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    links = [a.attrs["href"] for a in page.all("a")]
    assert links and all(h.startswith("#") and h[1:] in ids for h in links)


def test_the_same_report_gives_the_same_page(docs: dict[str, Any]) -> None:
    assert render(docs["rich"], "nl") == render(docs["rich"], "nl")


def test_headers_are_words_not_field_names(case: Case) -> None:
    _doc, page, _lang = case
    headers = [th.text() for head in page.all("thead") for th in head.all("th")]
    assert headers
    for label in headers:
        assert "_" not in label and label.strip() == label and label, label
        assert label not in {"value eur", "approved nato eu plus", "denial rate pct",
                             "total eur", "share pct"}


def test_every_amount_is_in_the_language_format(case: Case) -> None:
    _doc, page, lang = case
    cells = [c for tag in ("td", "th") for c in page.all(tag)]
    amounts = [c.text() for c in cells if "€" in c.text()]
    assert len(amounts) > 10
    for text in amounts:
        money(text, lang)
    for cell in cells:
        # No bare JSON figure anywhere: "312848962.29" is the contract, not the record's form.
        assert not re.fullmatch(r"-?\d{4,}\.\d{2}", cell.text()), cell.text()


def test_countries_are_shown_by_their_names(case: Case) -> None:
    doc, page, lang = case
    names = country_names()
    coded = [c for tag in ("td", "th") for c in page.all(tag) if "data-code" in c.attrs]
    countries = [c for c in coded if c.attrs["data-code"] in names]
    assert countries
    for cell in countries:
        code = cell.attrs["data-code"]
        assert cell.text() == names[code][lang]
        assert cell.text() != code
        if code in NAMES[lang]:
            assert cell.text() == NAMES[lang][code]


def test_the_record_spellings_of_the_names_the_report_uses(docs: dict[str, Any]) -> None:
    for lang in LANGS:
        loc = Locale(lang)
        for code, name in NAMES[lang].items():
            assert loc.country(code) == name
    assert Locale("nl").country("CI") == "Ivoorkust"
    assert Locale("en").country("HK") == "Hong Kong"
    assert Locale("nl").country("XX") == "XX"  # an unknown code is shown, not dropped


def test_number_formats_of_each_language() -> None:
    nl, en = Locale("nl"), Locale("en")
    assert nl.money("312848962.29") == "€\u00a0312.848.962,29"
    assert en.money("312848962.29") == "€312,848,962.29"
    assert nl.millions("1146970000.00") == "€\u00a01.146,97\u00a0mln"
    assert en.millions("1146970000.00") == "€1,146.97\u00a0million"
    assert nl.millions("1146974999.99") == "€\u00a01.146,97\u00a0mln"
    assert nl.millions("1146975000.00") == "€\u00a01.146,98\u00a0mln"  # half up
    assert (nl.money("0"), en.money("-5.5")) == ("€\u00a00,00", "-€5.50")
    assert (nl.integer(1234567), en.integer(1234567)) == ("1.234.567", "1,234,567")
    assert (nl.pct("22.22"), en.pct("22.22")) == ("22,22%", "22.22%")
    assert nl.date("2024-04-01") == "1\u00a0april\u00a02024"
    assert en.date("2024-12-31") == "31\u00a0December\u00a02024"


def test_summary_figures_in_millions(case: Case) -> None:
    doc, page, lang = case
    summary = doc["military"]["summary"][0]
    cards = {c.attrs["data-figure"]: c.all("b")[0].text() for c in page.all("div")
             if "card" in c.classes()}
    total = dec(summary["total_value_eur"])
    shown = cards["total_value"]
    unit = "\u00a0mln" if lang == "nl" else "\u00a0million"
    assert shown.endswith(unit)
    assert money(shown[: -len(unit)], lang) == (total / 1_000_000).quantize(Decimal("0.01"))
    assert count(cards["applications"], lang) == summary["applications"]
    assert count(cards["denied"], lang) == summary["denied"]
    assert pct(cards["denial_rate"], lang) == dec(summary["denial_rate_pct"])
    if doc["year"] == 2024 and total == Decimal("2700000.00"):
        assert shown == ("€\u00a02,70\u00a0mln" if lang == "nl" else "€2.70\u00a0million")
    key = screen_table(page, "military.summary")
    figures = {r[0].attrs["data-code"]: r[1].text() for r in key.rows}
    assert money(figures["total_value_eur"], lang) == total
    assert count(figures["approved_nato_eu_plus"], lang) == summary["approved_nato_eu_plus"]


# Military goods -------------------------------------------------------------------------------
def test_value_per_category_with_descriptions_and_total(case: Case) -> None:
    doc, page, lang = case
    rows = doc["military"]["by_category"]
    g = screen_table(page, "military.by_category")
    assert [r[0].text() for r in g.rows] == [r["category"] for r in rows]
    assert [money(r[2].text(), lang) for r in g.rows] == [dec(r["value_eur"]) for r in rows]
    descriptions = json.loads((DATA / "military_list.json").read_text())["categories"]
    for cells in g.rows:
        assert cells[1].text() == descriptions[cells[0].text()][lang]
    assert g.total is not None
    total = money(g.total[-1].text(), lang)
    assert total == sum(dec(r["value_eur"]) for r in rows)
    assert total == dec(doc["military"]["summary"][0]["total_value_eur"])
    if "ML1" in [r["category"] for r in rows]:
        ml1 = descriptions["ML1"][lang]
        assert ml1.startswith("Wapens met gladde loop met een kaliber van minder dan 20 mm, "
                              "andere wapens" if lang == "nl" else
                              "Smooth-bore weapons with a calibre of less than 20 mm")


@pytest.mark.parametrize("key", ["military.by_destination", "military.transit"])
def test_value_per_destination_alphabetically_with_totals_both_ways(case: Case,
                                                                    key: str) -> None:
    doc, page, lang = case
    rows = table(doc, key)
    g = screen_table(page, key)
    names = [r[0].text() for r in g.rows]
    assert names == sorted(names, key=lambda n: (unaccented(n), n))
    assert sorted(r[0].attrs["data-code"] for r in g.rows) == sorted(
        r["destination"] for r in rows)
    categories = g.header[1:-1]
    assert categories == sorted({c for r in rows for c in r["values"]},
                                key=lambda c: (int(c[2:]) if c[2:].isdigit() else 999, c))
    by_code = {r["destination"]: r for r in rows}
    for cells in g.rows:
        row = by_code[cells[0].attrs["data-code"]]
        for cat, cell in zip(categories, cells[1:-1], strict=True):
            expected = dec(row["values"][cat]) if cat in row["values"] else None
            assert (money(cell.text(), lang) if cell.text() else None) == expected
        assert money(cells[-1].text(), lang) == dec(row["total_eur"])
    assert g.total is not None
    for cat, cell in zip(categories, g.total[1:-1], strict=True):
        assert money(cell.text(), lang) == sum(dec(r["values"].get(cat, 0)) for r in rows)
    assert money(g.total[-1].text(), lang) == sum(dec(r["total_eur"]) for r in rows)
    if key == "military.by_destination":
        assert money(g.total[-1].text(), lang) == dec(
            doc["military"]["summary"][0]["total_value_eur"])


def test_a_wide_table_prints_in_parts_that_together_are_the_table(case: Case) -> None:
    _doc, page, _lang = case
    g = screen_table(page, "military.by_destination")
    printed = [grid(t) for t in tables_of(page, "military.by_destination")
               if t.within("print-only")]
    if len(g.header) - 1 <= PRINT_COLUMNS:
        assert printed == []
        return
    assert len(printed) >= 2
    header = [g.header[0]] + [h for p in printed for h in p.header[1:]]
    assert header == g.header
    for i, cells in enumerate(g.rows):
        joined = [cells[0].text()] + [c.text() for p in printed for c in p.rows[i][1:]]
        assert joined == [c.text() for c in cells]
    assert g.total is not None
    assert [g.total[0].text()] + [c.text() for p in printed for c in (p.total or [])[1:]] == [
        c.text() for c in g.total]
    assert all(len(p.header) - 1 <= PRINT_COLUMNS for p in printed)


def test_regions_in_the_record_order_with_shares_and_total(case: Case) -> None:
    doc, page, lang = case
    record = list(json.loads(REGIONS.read_text())["regions"])
    rows = doc["military"]["by_region"]
    g = screen_table(page, "military.by_region")
    codes = [r[0].attrs["data-code"] for r in g.rows]
    assert codes == sorted((r["region"] for r in rows), key=record.index)
    by_key = {r["region"]: r for r in rows}
    for cells in g.rows:
        row = by_key[cells[0].attrs["data-code"]]
        assert money(cells[1].text(), lang) == dec(row["value_eur"])
        assert pct(cells[2].text(), lang) == dec(row["share_pct"])
    assert g.total is not None
    assert money(g.total[1].text(), lang) == dec(doc["military"]["summary"][0]["total_value_eur"])
    if lang == "nl" and "European Union/NATO+" in codes:
        assert g.rows[codes.index("European Union/NATO+")][0].text() == "Europese Unie/NAVO+"


def test_top_five_and_its_chart_both_leave_out_collective_destinations(case: Case) -> None:
    doc, page, lang = case
    rows = doc["military"]["top_destinations"]
    g = screen_table(page, "military.top_destinations")
    codes = [r[1].attrs["data-code"] for r in g.rows]
    assert codes == [r["destination"] for r in rows]
    assert not PSEUDO & set(codes)
    assert [money(r[2].text(), lang) for r in g.rows] == [dec(r["value_eur"]) for r in rows]
    assert [pct(r[3].text(), lang) for r in g.rows] == [dec(r["share_pct"]) for r in rows]
    figures = section(page, "military.top_destinations").all("figure")
    assert len(figures) == 1 and figures[0].attrs["data-codes"] == ",".join(codes)
    assert figures[0].all("svg")


def test_denials_per_destination_with_dates_in_words(case: Case) -> None:
    doc, page, lang = case
    rows = doc["military"]["denials"]
    g = screen_table(page, "military.denials")
    assert len(g.rows) == len(rows)
    names = [r[0].text() for r in g.rows]
    assert names == sorted(names, key=lambda n: (unaccented(n), n))
    shown = sorted((c[0].attrs["data-code"], c[5].text(), count(c[2].text(), lang),
                    c[6].text()) for c in g.rows)
    loc = Locale(lang)
    assert shown == sorted((r["destination"], loc.date(r["decided_on"]), r["quantity"],
                            ", ".join(str(c) for c in r["criteria"])) for r in rows)
    for cells in g.rows:
        assert "date" in cells[5].classes()
        assert re.fullmatch(r"\d{1,2}\u00a0\w+\u00a0\d{4}", cells[5].text())
    if doc["year"] == 2024 and rows and rows[0]["destination"] == "VARIOUS":
        assert ("Diverse" if lang == "nl" else "Various") in names
        assert (["1\u00a0april\u00a02024"] if lang == "nl" else ["1\u00a0April\u00a02024"])[0] in [
            c[5].text() for c in g.rows]


def test_brokering_with_the_total_of_the_services(case: Case) -> None:
    doc, page, lang = case
    rows = doc["military"]["brokering"]
    g = screen_table(page, "military.brokering")
    assert sorted((c[0].attrs["data-code"], c[1].attrs["data-code"],
                   money(c[4].text(), lang)) for c in g.rows) == sorted(
        (r["destination"], r["origin"], dec(r["service_value_eur"])) for r in rows)
    assert g.total is not None
    assert money(g.total[-1].text(), lang) == sum(dec(r["service_value_eur"]) for r in rows)


# The other sections ---------------------------------------------------------------------------
def test_general_licences_per_licence_with_totals_and_flag_reasons(case: Case) -> None:
    doc, page, lang = case
    rows = doc["general_licences"]
    part = section(page, "part-general_licences")
    if not rows:
        assert part.all("p", **{"class": "empty"})[0].text() == (
            "Geen in dit jaar." if lang == "nl" else "None this year.")
        return
    overview = screen_table(page, "general_licences.totals")
    codes = sorted({r["licence"] for r in rows})
    assert [r[0].text() for r in overview.rows] == codes
    totals = {r["licence"]: dec(r["value_eur"]) for r in doc["general_licences_totals"]}
    for cells in overview.rows:
        mine = [r for r in rows if r["licence"] == cells[0].text()]
        shown = money(cells[-1].text(), lang)
        assert shown == totals[cells[0].text()] == sum(dec(r["value_eur"]) for r in mine)
        assert count(cells[3].text(), lang) == sum(1 for r in mine if r["flagged"])
    assert overview.total is not None
    assert money(overview.total[-1].text(), lang) == sum(totals.values()) == sum(
        dec(r["value_eur"]) for r in rows)
    reasons_shown = 0
    for code in codes:
        mine = [r for r in rows if r["licence"] == code]
        g = screen_table(page, f"general_licences.{code}")
        assert len(g.rows) == len(mine)
        assert g.total is not None and money(g.total[2].text(), lang) == sum(
            dec(r["value_eur"]) for r in mine)
        by_country = {(r["country"], r["direction"]): r for r in mine}
        for cells in g.rows:
            row = by_country[(cells[0].attrs["data-code"], cells[1].attrs["data-code"])]
            assert money(cells[2].text(), lang) == dec(row["value_eur"])
            reasons = [li.text() for li in cells[4].all("li")]
            assert reasons == row.get("flag_reasons", [])
            reasons_shown += len(reasons)
            flag = cells[4].children[0]
            assert flag == ({"nl": "ja", "en": "yes"} if row["flagged"]
                            else {"nl": "nee", "en": "no"})[lang]
    assert reasons_shown == sum(len(r.get("flag_reasons", [])) for r in rows)


def test_dual_use_per_type_and_top_ten(case: Case) -> None:
    doc, page, lang = case
    rows = doc["dual_use"]["by_type"]
    g = screen_table(page, "dual_use.by_type")
    assert [r[0].attrs["data-code"] for r in g.rows] == [r["type"] for r in rows]
    assert g.total is not None
    assert count(g.total[1].text(), lang) == sum(r["issued"] for r in rows)
    assert money(g.total[2].text(), lang) == sum(dec(r["issued_value_eur"]) for r in rows)
    assert count(g.total[3].text(), lang) == sum(r["denied"] for r in rows)
    assert money(g.total[4].text(), lang) == sum(dec(r["denied_value_eur"]) for r in rows)
    top = doc["dual_use"]["top_destinations"]
    if not top:
        empty = section(page, "dual_use.top_destinations").all("p")
        assert empty[0].text() == ("Geen in dit jaar." if lang == "nl" else "None this year.")
        return
    t = screen_table(page, "dual_use.top_destinations")
    assert [(c[1].attrs["data-code"], money(c[2].text(), lang)) for c in t.rows] == [
        (r["country"], dec(r["value_eur"])) for r in top]


def test_anti_torture_per_annex_with_total(case: Case) -> None:
    doc, page, lang = case
    rows = doc["anti_torture"]
    g = screen_table(page, "anti_torture")
    assert [c[0].attrs["data-code"] for c in g.rows] == [r["annex"] for r in rows]
    names = country_names()
    for cells, row in zip(g.rows, rows, strict=True):
        assert count(cells[1].text(), lang) == row["licences"]
        assert money(cells[2].text(), lang) == dec(row["value_eur"])
        assert cells[3].text() == ", ".join(sorted(
            (names[c][lang] for c in row["destinations"]), key=lambda n: (unaccented(n), n)))
    assert g.total is not None
    assert count(g.total[1].text(), lang) == sum(r["licences"] for r in rows)
    assert money(g.total[2].text(), lang) == sum(dec(r["value_eur"]) for r in rows)


def test_fast_track_notifications_or_none_this_year(case: Case) -> None:
    doc, page, lang = case
    rows = doc["parliament_fast_track"]
    if not rows:
        empty = section(page, "parliament_fast_track").all("p")
        assert empty[0].text() == ("Geen in dit jaar." if lang == "nl" else "None this year.")
        return
    g = screen_table(page, "parliament_fast_track")
    loc = Locale(lang)
    for cells, row in zip(g.rows, rows, strict=True):
        assert cells[0].text() == row["licence_number"]
        assert money(cells[3].text(), lang) == dec(row["value_eur"])
        assert cells[4].text() == loc.date(row["decided_on"])
        assert cells[6].text() == (loc.date(row["sent_on"]) if row["sent_on"]
                                   else {"nl": "nog niet verzonden", "en": "not yet sent"}[lang])


def test_consultations_started_received_and_total(case: Case) -> None:
    doc, page, lang = case
    row = doc["consultations"][0]
    g = screen_table(page, "consultations")
    assert {c[0].attrs["data-code"]: count(c[1].text(), lang) for c in g.rows} == row
    assert g.total is not None
    assert count(g.total[1].text(), lang) == row["started"] + row["received"]


def test_history_per_year_with_both_charts(case: Case) -> None:
    doc, page, lang = case
    rows = doc["history"]
    g = screen_table(page, "history")
    assert [int(c[0].text()) for c in g.rows] == [r["year"] for r in rows]
    for cells, row in zip(g.rows, rows, strict=True):
        assert [money(c.text(), lang) for c in cells[1:4]] == [
            dec(row["value_eur"]), dec(row["eu_nato_plus_value_eur"]),
            dec(row["other_value_eur"])]
        assert count(cells[4].text(), lang) == row["applications"]
        assert pct(cells[6].text(), lang) == dec(row["denial_rate_pct"])
    assert len(section(page, "history").all("figure")) == 2


def test_no_section_is_a_bare_heading(case: Case) -> None:
    _doc, page, lang = case
    for sec in page.all("section"):
        if "table" not in sec.classes():
            continue
        has_table = bool(sec.all("table"))
        empty = [p for p in sec.all("p") if "empty" in p.classes()]
        assert has_table or [p.text() for p in empty] == [
            "Geen in dit jaar." if lang == "nl" else "None this year."], sec.attrs["id"]


def test_a_copy_of_the_json_is_not_changed_by_rendering(docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(docs["rich"])
    render(doc, "en")
    assert doc == docs["rich"]


def test_a_report_as_of_a_moment_says_so_in_words(docs: dict[str, Any]) -> None:
    doc = {**docs["golden"], "as_of": "2025-03-01T12:00:00+00:00"}
    for lang, words in (("nl", "zoals het rapport was op 1 maart 2025 12:00 UTC"),
                        ("en", "as the report stood at 1 March 2025 12:00 UTC")):
        meta = [p.text() for p in parse(render(doc, lang)).all("p") if "meta" in p.classes()]
        assert words in meta[0].replace(NBSP, " ")
        assert f"2025{NBSP}12:00{NBSP}UTC" in meta[0]  # the moment is never broken


# The tables of this round, and what the record had that the report lacked ---------------------
# Where each table of the JSON is on the page: its section (and the table's key there).
PLACES = {"general_licences": ("part-general_licences", "general_licences."),
          "general_licences_totals": ("part-general_licences", "general_licences.totals")}


def grounds_of(lang: str) -> dict[str, str]:
    data = json.loads(GROUNDS.read_text(encoding="utf-8"))
    return {g["code"]: g[lang] for g in data["grounds"]}


def test_every_table_of_the_json_is_on_the_page(case: Case) -> None:
    doc, page, lang = case
    for name in TABLES:
        place, key = PLACES.get(name, (name, name))
        sec = section(page, place)
        shown = [t for t in sec.all("table") if t.attrs["data-table"].startswith(key)]
        empty = [p.text() for p in sec.all("p") if "empty" in p.classes()]
        if table(doc, name):
            assert shown or empty == [NONE[lang]], name
        else:
            assert not shown and empty == [NONE[lang]], name


def test_dual_use_individual_licences_per_destination_and_its_chart(case: Case) -> None:
    doc, page, lang = case
    rows = doc["dual_use"]["by_destination"]
    [individual] = [r for r in doc["dual_use"]["by_type"] if r["type"] == "individual"]
    g = screen_table(page, "dual_use.by_destination")
    names = [c[0].text() for c in g.rows]
    assert names == sorted(names, key=lambda n: (unaccented(n), n))
    by_code = {r["destination"]: r for r in rows}
    assert sorted(c[0].attrs["data-code"] for c in g.rows) == sorted(by_code)
    for cells in g.rows:
        row = by_code[cells[0].attrs["data-code"]]
        assert cells[0].text() == country_names()[row["destination"]][lang]
        assert count(cells[1].text(), lang) == row["licences"]
        assert money(cells[2].text(), lang) == dec(row["value_eur"])
    assert g.total is not None
    assert count(g.total[1].text(), lang) == sum(r["licences"] for r in rows) == individual[
        "issued"]
    assert money(g.total[2].text(), lang) == sum(dec(r["value_eur"]) for r in rows) == dec(
        individual["issued_value_eur"])
    [figure] = section(page, "dual_use.by_destination").all("figure")
    charted = figure.attrs["data-codes"].split(",")
    ranked = sorted(rows, key=lambda r: (-r["licences"], -dec(r["value_eur"])))
    assert len(charted) == min(len(rows), CHART_ROWS)
    assert [by_code[c]["licences"] for c in charted] == [r["licences"] for r in ranked][
        :len(charted)]
    assert figure.all("svg")


def test_dual_use_individual_licences_per_annex_i_category_with_names(case: Case) -> None:
    doc, page, lang = case
    rows = doc["dual_use"]["by_category"]
    [individual] = [r for r in doc["dual_use"]["by_type"] if r["type"] == "individual"]
    g = screen_table(page, "dual_use.by_category")
    names = json.loads(ANNEX_I.read_text(encoding="utf-8"))["categories"]
    assert [c[0].attrs["data-code"] for c in g.rows] == [r["category"] for r in rows] == [
        str(n) for n in range(10)]
    word = {"nl": "Categorie", "en": "Category"}[lang]
    for cells, row in zip(g.rows, rows, strict=True):
        assert cells[0].text() == f"{word} {row['category']}: {names[row['category']][lang]}"
        assert count(cells[1].text(), lang) == row["licences"]
        assert money(cells[2].text(), lang) == dec(row["value_eur"])
    assert g.total is not None
    # A licence with goods of several categories is in each: the total counts it once.
    assert count(g.total[1].text(), lang) == individual["issued"]
    assert money(g.total[2].text(), lang) == sum(dec(r["value_eur"]) for r in rows) == dec(
        individual["issued_value_eur"])
    [figure] = section(page, "dual_use.by_category").all("figure")
    assert figure.attrs["data-codes"] == ",".join(r["category"] for r in rows)
    if lang == "nl":
        assert g.rows[3][0].text() == "Categorie 3: Elektronica"


@pytest.mark.parametrize("key", ["military.denials", "dual_use.denials",
                                 "anti_torture_denials"])
def test_the_denials_of_every_regime_name_their_grounds_in_words(case: Case, key: str) -> None:
    doc, page, lang = case
    rows = table(doc, key)
    if not rows:
        assert [p.text() for p in section(page, key).all("p")] == [NONE[lang]]
        return
    g = screen_table(page, key)
    labels = grounds_of(lang)
    header = {"nl": ("Criteria", "Gronden"), "en": ("Criteria", "Grounds")}[lang]
    with_criteria = key != "anti_torture_denials" or any(r["criteria"] for r in rows)
    with_grounds = key != "military.denials" or any(r["grounds"] for r in rows)
    assert (header[0] in g.header, header[1] in g.header) == (with_criteria, with_grounds)
    shown = []
    for cells in g.rows:
        criteria = cells[g.column(header[0])].text() if with_criteria else ""
        grounds = cells[g.column(header[1])] if with_grounds else None
        codes = grounds.attrs["data-code"] if grounds is not None else ""
        if grounds is not None:
            assert grounds.text() == "; ".join(labels[c] for c in codes.split(",") if c)
        shown.append((cells[0].attrs["data-code"], criteria, codes))
    assert sorted(shown) == sorted(
        (r["destination"], ", ".join(str(c) for c in r["criteria"]) if with_criteria else "",
         ",".join(r["grounds"])) for r in rows)


def test_a_denial_on_a_ground_shows_the_ground_s_label(docs: dict[str, Any]) -> None:
    for lang, label in (("nl", "Catch-all: gebruik in verband met massavernietigingswapens"),
                        ("en", "Catch-all: use in connection with weapons of mass destruction")):
        g = screen_table(parse(render(docs["rich"], lang)), "dual_use.denials")
        iran = next(c for c in g.rows if c[0].attrs["data-code"] == "IR")
        assert iran[g.column("Gronden" if lang == "nl" else "Grounds")].text() == label


def test_national_measures_have_their_own_table(case: Case) -> None:
    doc, page, lang = case
    [row] = doc["national"]
    g = screen_table(page, "national")
    [cells] = g.rows
    assert cells[0].text() == {"nl": "Nationale maatregelen", "en": "National measures"}[lang]
    assert [count(cells[1].text(), lang), money(cells[2].text(), lang),
            count(cells[3].text(), lang), money(cells[4].text(), lang)] == [
        row["issued"], dec(row["issued_value_eur"]), row["denied"], dec(row["denied_value_eur"])]


def test_the_register_of_documents_sent_to_parliament_names_each_kind(case: Case) -> None:
    doc, page, lang = case
    rows = doc["parliament"]["documents"]
    if not rows:
        assert [p.text() for p in section(page, "parliament.documents").all("p")] == [
            NONE[lang]]
        return
    g = screen_table(page, "parliament.documents")
    loc = Locale(lang)
    kinds = {"nl": {"fast_track_notice": "Versnelde melding", "periodic_letter":
                    "Periodieke brief", "defence_surplus_notice":
                    "Melding verkoop overtollig defensiematerieel"},
             "en": {"fast_track_notice": "Fast-track notice", "periodic_letter":
                    "Periodic letter", "defence_surplus_notice":
                    "Notice of a sale of surplus defence equipment"}}[lang]
    assert len(g.rows) == len(rows)
    for cells, row in zip(g.rows, rows, strict=True):
        assert cells[0].text() == loc.date(row["sent_on"])
        assert (cells[1].attrs["data-code"], cells[1].text()) == (row["kind"],
                                                                  kinds[row["kind"]])
        assert cells[2].text() == row["reference"]
        assert cells[3].attrs.get("data-code", "") == (row["destination"] or "")
        assert cells[4].text() == (", ".join(row["licence_numbers"])
                                   or {"nl": "geen", "en": "none"}[lang])
        assert cells[5].text() == (row["explanation"] or "")
    if len({r["kind"] for r in rows}) == 3:  # the rich year has one of each
        assert {c[1].text() for c in g.rows} == set(kinds.values())


def test_enforcement_figures_of_the_year(case: Case) -> None:
    doc, page, lang = case
    [row] = doc["enforcement"]
    g = screen_table(page, "enforcement")
    assert {c[0].attrs["data-code"]: count(c[1].text(), lang) for c in g.rows} == row


def test_the_netherlands_share_of_the_eu_consultations_with_its_source(case: Case) -> None:
    doc, page, lang = case
    [row] = doc["consultations_share"]
    g = screen_table(page, "consultations_share")
    [cells] = g.rows
    assert int(cells[0].text()) == row["year"] == doc["year"]
    assert [count(c.text(), lang) for c in cells[1:5]] == [
        row["started"], row["received"], row["netherlands"], row["eu_total"]]
    assert row["netherlands"] == row["started"] + row["received"] == sum(
        doc["consultations"][0].values())
    assert pct(cells[5].text(), lang) == dec(row["share_pct"])
    assert cells[6].text() == row["source"] and "illustrative" in row["source"]


def test_the_share_is_unknown_without_the_eu_total(docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(docs["golden"])
    doc["consultations_share"][0].update(eu_total=None, share_pct=None, source=None)
    for lang, word in (("nl", "onbekend"), ("en", "unknown")):
        [cells] = screen_table(parse(render(doc, lang)), "consultations_share").rows
        assert [cells[4].text(), cells[5].text(), cells[6].text()] == [word, word, ""]


def test_withheld_confidential_licences_are_said_to_be_withheld(case: Case) -> None:
    doc, page, lang = case
    notes = [p.text() for p in page.all("p") if "withheld" in p.classes()]
    count_ = doc["withheld_confidential"]
    if not count_:
        assert notes == []
        return
    assert notes == [{"nl": f"{count_} vertrouwelijke vergunning(en) van dit jaar zijn "
                            "weggelaten tot het einde van hun vertrouwelijkheid.",
                      "en": f"{count_} confidential licence(s) of this year are withheld "
                            "until their confidentiality ends."}[lang]]


def test_the_history_names_the_source_of_each_run_of_years(case: Case) -> None:
    doc, page, lang = case
    [note] = [p.text() for p in section(page, "history").all("p") if "sources" in p.classes()]
    log = {"nl": "gebeurtenissenlogboek", "en": "event log"}[lang]
    first = doc["history"][0]["year"]
    assert first == 2000
    logged = [r["year"] for r in doc["history"] if r["source"] == "event log"]
    expected = f"{first}–{logged[0] - 1}: illustrative (not the published series); "
    expected += (f"{logged[0]}–{logged[-1]}: {log}" if len(logged) > 1
                 else f"{logged[0]}: {log}")
    assert note == ({"nl": "Bronnen: ", "en": "Sources: "}[lang] + expected + ".")
