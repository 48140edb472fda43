"""The report's tables beyond each regime's licences: what parliament was sent, the
consultations, enforcement, and the years before."""

from __future__ import annotations

from typing import Any

from services.reporting.render.i18n import Locale
from services.reporting.render.tables import (
    Cell,
    Column,
    Table,
    int_cell,
    money_cell,
    name_cell,
    total_cell,
)


def fast_track(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Notifications to parliament in the order of the decisions."""
    body = [[Cell(str(r["licence_number"] or "")), name_cell(loc, r["destination"]),
             Cell(str(r["description"] or ""), "desc"), money_cell(loc, r["value_eur"]),
             Cell(loc.date(r["decided_on"]), "date"), Cell(loc.date(r["due_by"]), "date"),
             Cell(loc.date(r["sent_on"]), "date") if r.get("sent_on")
             else Cell(loc.t("not_sent"))] for r in rows]
    return Table("parliament_fast_track",
                 [Column(loc.t("col.licence_number")), Column(loc.t("col.destination")),
                  Column(loc.t("col.goods")), Column(loc.t("col.value"), "num"),
                  Column(loc.t("col.decided_on")), Column(loc.t("col.due_by")),
                  Column(loc.t("col.sent_on"))],
                 body)


def documents(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """The register of documents sent to parliament, in the order they were sent, each with
    its kind in words."""
    body = [[Cell(loc.date(r["sent_on"]), "date"),
             Cell(loc.t(f"document.{r['kind']}", str(r["kind"])), code=str(r["kind"])),
             Cell(str(r.get("reference") or ""), "ref"),
             name_cell(loc, r["destination"]) if r.get("destination") else Cell(""),
             Cell(", ".join(str(n) for n in r.get("licence_numbers") or [] if n)
                  or loc.t("none_listed")),
             Cell(str(r.get("explanation") or ""), "desc")]
            for r in sorted(rows, key=lambda r: str(r["sent_on"]))]
    return Table("parliament.documents",
                 [Column(loc.t("col.sent_on")), Column(loc.t("col.document")),
                  Column(loc.t("col.reference")), Column(loc.t("col.destination")),
                  Column(loc.t("col.licence_numbers")), Column(loc.t("col.explanation"))],
                 body)


def enforcement(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Investigations referred and concluded in the year, by outcome, and those still open."""
    row = rows[0]
    figures = ("referred", "concluded", "no_action", "warning", "fine", "prosecution",
               "open_at_year_end")
    return Table("enforcement", [Column(loc.t("col.investigations")),
                                 Column(loc.t("col.count"), "num")],
                 [[Cell(loc.t(f"enforcement.{k}"), "head", code=k), int_cell(loc, row[k])]
                  for k in figures])


def consultation_share(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """The Netherlands' consultations as a share of the EU's total, with the total's source."""
    unknown = loc.t("unknown")
    body = [[Cell(str(r["year"]), "num", code=str(r["year"])), int_cell(loc, r["started"]),
             int_cell(loc, r["received"]), int_cell(loc, r["netherlands"]),
             int_cell(loc, r["eu_total"]) if r.get("eu_total") is not None
             else Cell(unknown, "num"),
             Cell(loc.pct(r["share_pct"]), "num") if r.get("share_pct") is not None
             else Cell(unknown, "num"),
             Cell(str(r.get("source") or ""), "desc")] for r in rows]
    return Table("consultations_share",
                 [Column(loc.t("col.year"), "num"), Column(loc.t("col.started"), "num"),
                  Column(loc.t("col.received"), "num"), Column(loc.t("col.netherlands"), "num"),
                  Column(loc.t("col.eu_total"), "num"), Column(loc.t("col.nl_share"), "num"),
                  Column(loc.t("col.source"))],
                 body)


def consultations(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Consultations the Netherlands started and received, and their total."""
    row = rows[0] if rows else {"started": 0, "received": 0}
    return Table("consultations", [Column(loc.t("col.consultations")),
                                   Column(loc.t("col.count"), "num")],
                 [[Cell(loc.t("consultations.started"), "head", code="started"),
                   int_cell(loc, row["started"])],
                  [Cell(loc.t("consultations.received"), "head", code="received"),
                   int_cell(loc, row["received"])]],
                 [total_cell(loc), int_cell(loc, int(row["started"]) + int(row["received"]))])


def history(loc: Locale, rows: list[dict[str, Any]]) -> Table:
    """Value of issued licences and the denial rate per year held."""
    body = [[Cell(str(r["year"]), "num", code=str(r["year"])), money_cell(loc, r["value_eur"]),
             money_cell(loc, r["eu_nato_plus_value_eur"]), money_cell(loc, r["other_value_eur"]),
             int_cell(loc, r["applications"]), int_cell(loc, r["denied"]),
             Cell(loc.pct(r["denial_rate_pct"]), "num")]
            for r in sorted(rows, key=lambda r: int(r["year"]))]
    return Table("history",
                 [Column(loc.t("col.year"), "num"), Column(loc.t("col.value"), "num"),
                  Column(loc.t("col.eu_nato_plus"), "num"), Column(loc.t("col.other"), "num"),
                  Column(loc.t("col.applications"), "num"), Column(loc.t("col.denied"), "num"),
                  Column(loc.t("col.denial_rate"), "num")],
                 body)
