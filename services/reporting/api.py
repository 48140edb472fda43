"""Reporting's HTTP API: the annual report, its projections, and each licence's lifecycle."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from services.reporting.deps import (
    Admin,
    AsOf,
    Month,
    NoBody,
    RebuilderDep,
    ReferenceDep,
    ReportReader,
    RuntimeDep,
    SourcesDep,
    StreamId,
    StreamReader,
    Year,
)
from services.reporting.queries import (
    csv_table,
    monthly_document,
    projection_status,
    render_csv,
    render_html,
    render_json,
    report_document,
    rows_csv,
    stream_view,
    submission_document,
)
from services.reporting.schemas import (
    AnnualReport,
    AttSubmission,
    EuSubmission,
    MonthlyOverview,
    ProjectionStatus,
    RebuildStarted,
    StreamView,
)
from shared.problems import problem_responses

router = APIRouter(prefix="/v1")

_REPORT_FORMATS = {"content": {
    "application/json": {},
    "text/csv": {"schema": {"type": "string"}, "example": "category,value_eur\nML1,10.00\n"},
    "text/html": {"schema": {"type": "string"}},
}, "description": "The report: JSON (the document), CSV (one table) or HTML (readable)"}


@router.get("/reports/annual/{year}", tags=["reports"], summary="The annual report",
            response_model=AnnualReport,
            responses={200: _REPORT_FORMATS, **problem_responses(401, 403, 404, 422, 503)})
async def annual_report(
    who: ReportReader, year: Year, as_of: AsOf, runtime: RuntimeDep, ref: ReferenceDep,
    sources: SourcesDep,
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
    name = csv_table(format, table)
    doc = await report_document(runtime.sessions, ref, sources, year, as_of)
    if name is not None:
        return Response(render_csv(doc, name), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="report-{year}-{name}.csv"'})
    if format == "html":
        return HTMLResponse(await render_html(doc, lang))
    return Response(render_json(doc), media_type="application/json")


_CSV = {"text/csv": {"schema": {"type": "string"}}}
CsvFormat = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]


def _csv(body: str, filename: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/reports/monthly/{year}/{month}", tags=["reports"],
            summary="The monthly overview of licences issued", response_model=MonthlyOverview,
            responses={200: {"content": _CSV}, **problem_responses(401, 403, 422, 503)})
async def monthly_report(who: ReportReader, year: Year, month: Month, as_of: AsOf,
                         runtime: RuntimeDep, sources: SourcesDep,
                         format: CsvFormat = "json") -> Response:
    """The military and dual-use licences issued in one month, by the day of their decision;
    licences for a destination whose policy says so are listed without detail about the
    goods, confidential ones are withheld and counted."""
    doc = await monthly_document(runtime.sessions, sources, year, month, as_of)
    if format == "csv":
        return _csv(rows_csv("monthly.licences", doc["licences"]),
                    f"monthly-{year}-{month:02d}.csv")
    return Response(render_json(doc), media_type="application/json")


@router.get("/reports/submissions/eu/{year}", tags=["reports"],
            summary="The EU annual report's data", response_model=EuSubmission,
            responses={200: {"content": _CSV}, **problem_responses(401, 403, 422, 503)})
async def eu_report(who: ReportReader, year: Year, as_of: AsOf, runtime: RuntimeDep,
                    format: CsvFormat = "json") -> Response:
    """Per destination and ML category: licences issued, their value (adding up to the annual
    report's total), denials and the criteria they cite."""
    doc = await submission_document(runtime.sessions, "eu", year, as_of)
    if format == "csv":
        return _csv(rows_csv("submissions.eu", doc["rows"]), f"eu-submission-{year}.csv")
    return Response(render_json(doc), media_type="application/json")


@router.get("/reports/submissions/att/{year}", tags=["reports"],
            summary="The Arms Trade Treaty annual report's data", response_model=AttSubmission,
            responses={200: {"content": _CSV}, **problem_responses(401, 403, 422, 503)})
async def att_report(who: ReportReader, year: Year, as_of: AsOf, runtime: RuntimeDep,
                     format: CsvFormat = "json") -> Response:
    """Authorised exports per destination and ATT category (approximated by ML category, see
    `method`): licences, items and value."""
    doc = await submission_document(runtime.sessions, "att", year, as_of)
    if format == "csv":
        return _csv(rows_csv("submissions.att", doc["rows"]), f"att-submission-{year}.csv")
    return Response(render_json(doc), media_type="application/json")


@router.post("/projections/rebuild", tags=["projections"], status_code=202,
             summary="Rebuild every projection from the start of the event log",
             response_model=RebuildStarted, dependencies=[NoBody],
             responses=problem_responses(401, 403, 413, 503))
async def rebuild(who: Admin, rebuilder: RebuilderDep, runtime: RuntimeDep) -> RebuildStarted:
    """Replay the JetStream log into fresh tables while the old ones serve, then switch. It
    takes no body."""
    started = rebuilder.start_rebuild()
    status = await projection_status(runtime, rebuilder)
    return RebuildStarted(**status.model_dump(), started=started)


@router.get("/projections/status", tags=["projections"], summary="Projection position and lag",
            response_model=ProjectionStatus, responses=problem_responses(401, 403, 503))
async def get_projection_status(who: ReportReader, rebuilder: RebuilderDep,
                                runtime: RuntimeDep) -> ProjectionStatus:
    """`idle` or `rebuilding`, the log position reached, the lag behind the log, events/s, and
    the messages the last rebuild skipped because no contract reads them."""
    return await projection_status(runtime, rebuilder)


@router.get("/streams/{application_id}", tags=["streams"], summary="One licence's whole lifecycle",
            response_model=StreamView, responses=problem_responses(401, 403, 404, 422, 503))
async def get_stream(who: StreamReader, application_id: StreamId,
                     runtime: RuntimeDep) -> StreamView:
    """Every event of every service about one application, in log order, from JetStream; each
    event once, and the messages on it no contract reads under `unreadable`."""
    return await stream_view(runtime.bus, application_id, vault=runtime.vault, reader=who.sub)
