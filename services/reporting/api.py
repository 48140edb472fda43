"""Reporting's HTTP API: the annual report, its projections, and each licence's lifecycle."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import nats
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from services.reporting.domain.report import TABLES
from services.reporting.projections import Projections
from services.reporting.queries import render_csv, render_html, render_json, report_document
from shared.auth import Principal, require
from shared.eventlog import read_stream
from shared.eventstore import STREAM_ID
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1")
Reader = Annotated[Principal, Depends(require("reporter", "admin", "assessor", "mfa"))]
ReportReader = Annotated[Principal, Depends(require("reporter", "admin"))]
Admin = Annotated[Principal, Depends(require("admin"))]


async def _projections(request: Request) -> Projections:
    return request.app.state.projections  # type: ignore[no-any-return]


ProjectionsDep = Annotated[Projections, Depends(_projections)]


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or len(value.strip()) <= 10:
        raise Problem(422, "Invalid as_of",
                      "as_of must be an ISO 8601 time with a zone, e.g. 2025-03-01T12:00:00Z",
                      errors=[{"loc": ["query", "as_of"], "msg": "as_of: a time with a zone"}])
    return moment


@router.get("/reports/annual/{year}", tags=["reports"], summary="The annual report",
            responses={200: {"content": {"application/json": {}, "text/csv": {},
                                         "text/html": {}}}})
async def annual_report(
    year: int, request: Request, projections: ProjectionsDep, who: ReportReader,
    as_of: Annotated[str | None, Query(description="a time with a zone: the report as the "
                                                   "system knew it then (by recorded time)")]
    = None,
    format: Annotated[Literal["json", "csv", "html"], Query(
        description="json (default), csv (one table, see `table`) or html (readable, charts)")]
    = "json",
    table: Annotated[str | None, Query(max_length=100, description="the dotted name of a "
                                       "table for CSV, e.g. military.by_category")] = None,
    lang: Annotated[Literal["nl", "en"], Query(
        description="the language of the HTML report: nl (default, as it is published) or en")]
    = "nl",
) -> Response:
    """The whole annual report for `year` as JSON; one table as CSV; or a readable HTML page."""
    if not 1900 <= year <= 2200:
        raise Problem(422, "Invalid year", f"year {year} is outside 1900..2200",
                      errors=[{"loc": ["path", "year"], "msg": "year: between 1900 and 2200"}])
    moment = _as_of(as_of)
    if format == "csv" and (table is None or table not in TABLES):
        detail = ("format=csv needs table=<name>" if table is None
                  else f"there is no table {table!r}")
        raise Problem(404 if table else 422, "Unknown table" if table else "Table required",
                      f"{detail}; tables: {', '.join(TABLES)}", tables=list(TABLES),
                      errors=[{"loc": ["query", "table"], "msg": f"table: {detail}"}])
    doc = await report_document(projections, request.app.state.reference, year, moment)
    if format == "csv":
        assert table is not None
        return Response(render_csv(doc, table), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="report-{year}-{table}.csv"'})
    if format == "html":
        return HTMLResponse(await render_html(doc, lang))
    return Response(render_json(doc), media_type="application/json")


@router.post("/projections/rebuild", tags=["projections"], status_code=202,
             summary="Rebuild every projection from the start of the event log")
async def rebuild(projections: ProjectionsDep, runtime: RuntimeDep, who: Admin) -> JSONResponse:
    """Replay the JetStream log into fresh tables while the old ones serve, then switch."""
    if not runtime.bus.connected:
        raise Problem(503, "Event log unavailable", "NATS is not reachable right now",
                      headers={"Retry-After": "2"})
    started = projections.start_rebuild()
    body = {**(await projections.status()), "started": started}
    return JSONResponse(body, status_code=202)


@router.get("/projections/status", tags=["projections"], summary="Projection position and lag")
async def projection_status(projections: ProjectionsDep,
                            who: Annotated[Principal, Depends(require("admin", "reporter"))]
                            ) -> dict[str, Any]:
    """`idle` or `rebuilding`, the log position reached, the lag behind the log, events/s."""
    return await projections.status()


@router.get("/streams/{application_id}", tags=["streams"], summary="One licence's whole lifecycle")
async def get_stream(application_id: str, runtime: RuntimeDep, who: Reader) -> dict[str, Any]:
    """Every event of every service about one application, in log order, from JetStream."""
    if not STREAM_ID.match(application_id):
        raise Problem(422, "Invalid stream id",
                      "a stream id has letters, digits, '-' and '_' only",
                      errors=[{"loc": ["path", "application_id"], "msg": "invalid stream id"}])
    if not runtime.bus.connected or runtime.bus.js is None:
        raise Problem(503, "Event log unavailable", "NATS is not reachable right now",
                      headers={"Retry-After": "2"})
    try:
        events = await read_stream(runtime.bus.js, runtime.bus.stream, application_id)
    except (nats.errors.Error, TimeoutError) as exc:
        raise Problem(503, "Event log unavailable", f"reading the log failed: {exc}",
                      headers={"Retry-After": "2"}) from exc
    if not events:
        raise Problem(404, "Not found", f"no events for stream {application_id}")
    return {"stream_id": application_id, "events": [e.model_dump(mode="json") for e in events]}
