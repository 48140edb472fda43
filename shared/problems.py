"""RFC 9457 problem+json for every error, and the guard against oversized bodies."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db.transient import may_pass
from shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unavailable,
)

log = logging.getLogger(__name__)

# The one table from domain errors to HTTP statuses (most specific class first).
STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Invalid, 422),
    (Unavailable, 503),
    (Conflict, 409),
    (DomainError, 409),
)

PROBLEM = "application/problem+json"
DATABASE_RETRY_AFTER = 2  # seconds a client waits before retrying on a busy or away database
TYPE_BASE = "https://licensing.example/problems/"


class Problem(Exception):
    """An error that answers as problem+json with a status and a plain-words detail."""

    def __init__(self, status: int, title: str, detail: str, *, kind: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind or title.lower().replace(" ", "-")
        self.headers = headers
        self.extra = extra


def problem_response(status: int, title: str, detail: str, *, kind: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": TYPE_BASE + (kind or title.lower().replace(" ", "-")), "title": title,
            "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


class ValidationItem(BaseModel):
    """One bad field of a request."""

    loc: list[str | int]
    msg: str
    type: str | None = None


class ProblemDetails(BaseModel):
    """An error answer (RFC 9457, application/problem+json); more fields may follow."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    errors: list[ValidationItem] | None = None


_DESCRIPTIONS = {
    400: "Malformed request (a cursor or header this service did not issue)",
    401: "No valid bearer token",
    403: "The token's roles or state do not allow this",
    404: "No such resource, or none the caller may see",
    409: "The request conflicts with the current state (concurrent change, duplicate, rule)",
    413: "The request body exceeds the limit",
    431: "The request's headers exceed the limit",
    422: "The request breaks a rule; `errors` names each bad field",
    503: "A dependency is away for now; retry after `Retry-After` seconds",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each error status it can answer, as problem+json."""
    return {status: {"model": ProblemDetails, "description": _DESCRIPTIONS.get(status, "Error"),
                     "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/"
                                                                 "ProblemDetails"}}}}
            for status in sorted(statuses)}


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error, from the one table."""
    return next(status for kind, status in STATUS if isinstance(error, kind))


def domain_problem(error: DomainError) -> JSONResponse:
    """A domain error as problem+json."""
    status = status_of(error)
    extra = dict(error.extra)
    headers = None
    detail = error.detail
    if isinstance(error, Invalid) and error.errors:
        extra["errors"] = [{**item, "loc": [_printable(part) for part in item["loc"]],
                            "msg": _printable(item["msg"])}
                           for item in (e.as_dict() for e in error.errors)]
        detail = _printable(detail)
    if isinstance(error, Unavailable):
        headers = {"Retry-After": str(error.retry_after)}
    return problem_response(status, error.title, detail, kind=error.kind,
                            headers=headers, **extra)


def _printable(part: Any) -> Any:
    # A lone surrogate (JSON can carry "\ud800", in a field name too) would make the error
    # answer itself unencodable as UTF-8: it is shown escaped.
    if isinstance(part, str):
        return part.encode("utf-8", "backslashreplace").decode("utf-8")
    return part


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors as `[{loc, msg}]`, with the message naming the field."""
    out = []
    for err in errors:
        loc = [_printable(part) for part in err.get("loc", ())]
        msg = _printable(str(err.get("msg", "invalid")))
        field = ".".join(str(p) for p in loc if p != "body") or "body"
        out.append({"loc": loc, "msg": f"{field}: {msg}", "type": err.get("type", "invalid")})
    return out


# Why FastAPI could not read a body, in words for the caller.
_UNREADABLE: dict[type[BaseException], str] = {
    UnicodeDecodeError: "not valid UTF-8 (JSON is UTF-8)",
    RecursionError: "JSON nested too deeply to read",
}


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error answer problem+json; an unexpected one is logged, never shown."""

    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, kind=exc.kind,
                                headers=exc.headers, **exc.extra)

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        detail = "; ".join(e["msg"] for e in errors[:5])
        return problem_response(422, "Invalid request", detail, kind="validation",
                                errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, _TooLarge):
            return problem_response(413, "Request too large", str(exc.detail), kind="too-large")
        cause = exc.__cause__
        unreadable = (_UNREADABLE.get(type(cause))
                      if cause is not None and exc.status_code == 400 else None)
        if unreadable is not None:
            # FastAPI's "error parsing the body" for a body that is not UTF-8 or nests too
            # deeply to decode: the same answer as any other body that is not JSON.
            msg = f"body: {unreadable}"
            return problem_response(422, "Invalid request", msg, kind="validation",
                                    errors=[{"loc": ["body"], "msg": msg, "type": "json_invalid"}])
        title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found",
                 405: "Method not allowed", 413: "Request too large"}.get(exc.status_code,
                                                                         "Error")
        return problem_response(exc.status_code, title, str(exc.detail),
                                headers=getattr(exc, "headers", None))

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if _may_pass(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                        _first_line(exc))
            return problem_response(
                503, "Service unavailable",
                "the database is busy or unreachable; the request was not applied, retry it",
                kind="unavailable", headers={"Retry-After": str(DATABASE_RETRY_AFTER)})
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "Internal error",
                                "the server failed; the request was not applied",
                                kind="internal")

    # The errors a database that is locked, busy or away raises get handlers of their own:
    # Starlette answers them and keeps the connection (a handler of `Exception` answers too,
    # but then re-raises, and the server closes the connection).
    for kind in (DBAPIError, PoolTimeout, TimeoutError, ConnectionError):
        app.add_exception_handler(kind, _unexpected)
    app.add_exception_handler(Exception, _unexpected)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


def _may_pass(exc: BaseException) -> bool:
    """A database that is locked, busy or away: the same request may succeed later."""
    if isinstance(exc, PoolTimeout | TimeoutError | ConnectionError):
        return True
    return may_pass(exc)


class BodyLimit:
    """Refuse request bodies over the limit with 413 before they are read into memory, and
    headers over theirs (64 KiB together by default) with 431.

    `by_path` gives some paths a body limit of their own (an uploaded list file).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_header_bytes: int = 64 * 1024,
                 by_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_header_bytes = max_header_bytes
        self.by_path = dict(by_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header_bytes = sum(len(name) + len(value) for name, value in scope.get("headers", []))
        if header_bytes > self.max_header_bytes:
            await _send(send, problem_response(
                431, "Request header fields too large",
                f"the request's headers take {header_bytes} bytes, more than the limit of "
                f"{self.max_header_bytes}", kind="headers-too-large"))
            return
        limit = self.by_path.get(scope.get("path", ""), self.max_bytes)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(send, limit)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        await _send(send, problem_response(
            413, "Request too large",
            f"the request body exceeds the limit of {limit} bytes", kind="too-large"))


async def _send(send: Send, response: JSONResponse) -> None:
    """Answer with `response` from ASGI middleware."""
    await send({"type": "http.response.start", "status": response.status_code,
                "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class _TooLarge(StarletteHTTPException):
    """A body over the limit, found while it streams in (chunked: no Content-Length).

    An HTTPException, so that FastAPI, which turns any other error raised while it reads the
    body into a 400, lets it through to the handler that answers 413.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body exceeds the limit of {max_bytes} bytes")
