"""Reading the report: facts (live or as of a moment) -> document -> JSON, CSV or HTML."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from services.reporting.domain.report import TABLES, build_report, table
from services.reporting.projections import Projections
from services.reporting.render import to_csv, to_html


async def report_document(projections: Projections, ref: Any, year: int,
                          as_of: dt.datetime | None) -> dict[str, Any]:
    """The annual report for `year`: live facts, or the log replayed up to `as_of`."""
    if as_of is None:
        _generation, facts = await projections.current()
        return await asyncio.to_thread(build_report, year, facts, ref)
    facts = await projections.as_of(as_of)
    return await asyncio.to_thread(build_report, year, facts, ref,
                                   as_of=as_of.astimezone(dt.UTC).isoformat())


def render_json(doc: dict[str, Any]) -> bytes:
    """The JSON text of a report: the same document always gives the same bytes."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def render_csv(doc: dict[str, Any], name: str) -> str:
    """One table of the report as CSV; KeyError for a table there is not."""
    return to_csv(name, table(doc, name))


async def render_html(doc: dict[str, Any], lang: str = "nl") -> str:
    """The readable report with charts in `lang` (nl or en), drawn off the event loop."""
    tables = {name: table(doc, name) for name in TABLES}
    return await asyncio.to_thread(to_html, doc, tables, lang=lang)
