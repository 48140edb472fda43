"""Reporting's dependencies as named aliases: the runtime, the rebuilder, the reference data,
the roles of each route, and the request values every route reads the same way."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from services.reporting.domain.applications import Reference
from services.reporting.handlers.rebuild import Rebuilder
from services.reporting.sources import Sources
from shared.auth import Principal, Role, require
from shared.errors import FieldError, Invalid
from shared.eventstore import STREAM_ID
from shared.service import Runtime, get_runtime

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def _rebuilder(request: Request) -> Rebuilder:
    return request.app.state.rebuilder  # type: ignore[no-any-return]


async def _reference(request: Request) -> Reference:
    return request.app.state.reference  # type: ignore[no-any-return]


async def _sources(request: Request) -> Sources:
    return request.app.state.sources  # type: ignore[no-any-return]


RebuilderDep = Annotated[Rebuilder, Depends(_rebuilder)]
ReferenceDep = Annotated[Reference, Depends(_reference)]
SourcesDep = Annotated[Sources, Depends(_sources)]

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
ReportReader = Annotated[Principal, Depends(require(Role.REPORTER, Role.ADMIN))]
StreamReader = Annotated[Principal, Depends(require(Role.REPORTER, Role.ADMIN, Role.ASSESSOR,
                                                    Role.MFA))]


def _as_of(as_of: Annotated[str | None, Query(
        description="a time with a zone: the report as the system knew it then (by recorded "
                    "time)")] = None) -> dt.datetime | None:
    if as_of is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(as_of.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    # A date alone (10 characters) would parse as midnight of no zone: refused like one.
    if moment is None or moment.tzinfo is None or len(as_of.strip()) <= 10:
        raise Invalid("as_of must be an ISO 8601 time with a zone, e.g. 2025-03-01T12:00:00Z",
                      code="invalid-as_of",
                      errors=[FieldError(("query", "as_of"), "a time with a zone")])
    return moment


def _stream_id(application_id: Annotated[str, Path(
        description="the stream id: letters, digits, '-' and '_'")]) -> str:
    # fullmatch semantics (\Z): an id ending in a newline is no stream id.
    if not STREAM_ID.match(application_id):
        raise Invalid("a stream id has letters, digits, '-' and '_' only",
                      code="invalid-stream-id",
                      errors=[FieldError(("path", "application_id"), "invalid stream id")])
    return application_id


async def _no_body(request: Request) -> None:
    # A command without a body still reads what a client sends (and drops it): a body left
    # unread would never meet the size limit, so 10 MB would be answered 202; read, a body
    # over the limit is refused with 413 by shared.problems.BodyLimit.
    async for _chunk in request.stream():
        pass


Year = Annotated[int, Path(ge=1900, le=2200, description="the calendar year of the report")]
Month = Annotated[int, Path(ge=1, le=12, description="the month, 1..12")]
AsOf = Annotated[dt.datetime | None, Depends(_as_of)]
StreamId = Annotated[str, Depends(_stream_id)]
NoBody = Depends(_no_body)
