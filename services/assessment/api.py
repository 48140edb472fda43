"""Assessment's HTTP API for assessors at CDIU and the MFA: routes translate HTTP to commands."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.assessment import domain
from services.assessment.db import cases, classification_requests, parliament_notifications
from services.assessment.handlers import Context, classification
from services.assessment.handlers import cases as case_handlers
from services.assessment.handlers import licences as licence_handlers
from services.assessment.handlers.base import case_consultations
from shared.auth import Principal, require
from shared.eventstore import ConcurrencyConflict
from shared.pagination import Page, decode_cursor, encode_cursor
from shared.problems import Problem, problem_response

router = APIRouter(prefix="/v1", tags=["cases"])
licence_router = APIRouter(prefix="/v1", tags=["licences"])
other_router = APIRouter(prefix="/v1", tags=["parliament and classification"])
routers = [router, licence_router, other_router]

Assessor = Annotated[Principal, Depends(require("assessor", "mfa"))]
Mfa = Annotated[Principal, Depends(require("mfa"))]
Limit = Annotated[int, Query(ge=1, le=500)]
Text300 = Annotated[str, Field(min_length=1, max_length=300)]
Note = Annotated[str | None, Field(default=None, max_length=2000)]


async def get_ctx(request: Request) -> Context:
    """The service context (a FastAPI dependency)."""
    return request.app.state.assessment  # type: ignore[no-any-return]


Ctx = Annotated[Context, Depends(get_ctx)]


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors and concurrency conflicts to problem+json."""

    @app.exception_handler(domain.DomainError)
    async def _domain(_request: Request, exc: domain.DomainError) -> JSONResponse:
        title = {403: "Forbidden", 404: "Not found", 422: "Invalid request"}.get(
            exc.status, "Conflict")
        return problem_response(exc.status, title, exc.detail, kind=exc.kind, **exc.extra)

    @app.exception_handler(ConcurrencyConflict)
    async def _conflict(_request: Request, exc: ConcurrencyConflict) -> JSONResponse:
        return problem_response(409, "Conflict", f"the case changed concurrently ({exc}); "
                                "reload it and retry", kind="version-conflict")


def parse_if_match(value: str | None) -> int | None:
    """The case version an `If-Match` header names (`"3"`, `W/"3"` or `3`)."""
    if value is None or value.strip() == "*":
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise Problem(400, "Invalid If-Match", f"If-Match must name a case version such as "
                      f'"3", not {value!r}', kind="invalid-if-match")
    return int(raw)


IfMatch = Annotated[str | None, Header(alias="If-Match")]


# -- cases ---------------------------------------------------------------------------------------


def _summary(row: Any) -> dict[str, Any]:
    doc = json.loads(row.document)
    app = doc["application"]
    decision = doc.get("decision") or {}
    return {"id": row.id, "application_id": row.application_id, "reference": row.reference,
            "queue": row.queue, "status": row.status, "version": row.version,
            "regime": app.get("regime"), "procedure": app.get("procedure"),
            "received_at": app.get("received_at"), "destinations": app.get("destinations"),
            "value_eur": str(domain.licence_value(app)), "rule": doc["routing"]["rule"],
            "screening_status": row.screening_status, "outcome": decision.get("outcome"),
            "licence_number": row.licence_number}


async def _case_view(ctx: Context, case_id: str, screener: Any) -> dict[str, Any]:
    async with ctx.runtime.sessions() as session:
        row = (await session.execute(select(cases).where(cases.c.id == case_id))).first()
        if row is None:
            raise Problem(404, "Not found", f"no case {case_id}")
        consulted = await case_consultations(session, row.reference)
    doc = json.loads(row.document)
    view = {**doc, "status": row.status, "queue": row.queue}
    blockers = domain.approval_blockers(view, consulted) if doc["screening"]["status"] == \
        "completed" else []
    screening = dict(doc["screening"])
    if screening["status"] == "pending" and screener is not None:
        screening["last_error"] = screener.last_errors.get(case_id)
    elif screening["status"] == "failed":
        screening["last_error"] = (screening.get("failure") or {}).get("reason")
    return {**_summary(row), "routing": doc["routing"], "screening": screening,
            "embargoes": screening["embargoes"], "denial_matches": screening["denial_matches"],
            "general_licence_hints": screening["general_licence_hints"],
            "consultation": {"blocked": bool(blockers), "blockers": blockers,
                             "consultations": consulted},
            "findings": sorted(doc["findings"].values(), key=lambda f: f["criterion"]),
            "dismissals": doc["dismissals"], "decision": doc.get("decision"),
            "amends": doc.get("amends"), "withdrawal": doc.get("withdrawal"),
            "application": doc["application"]}


async def _respond_case(ctx: Context, request: Request, case_id: str,
                        response: Response) -> dict[str, Any]:
    view = await _case_view(ctx, case_id, getattr(request.app.state, "screener", None))
    response.headers["ETag"] = f'"{view["version"]}"'
    return view


@router.get("/cases", summary="Cases in a queue")
async def list_cases(
    ctx: Ctx, who: Assessor,
    queue: Literal["cdiu", "mfa"] | None = None,
    status: Literal["open", "decided", "withdrawn"] | None = None,
    screening: Annotated[Literal["pending", "completed", "failed"] | None, Query(
        description="extension: the screening status, e.g. `failed` for the cases whose "
                    "screening must be re-run")] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> Page:
    """Cases oldest first, filtered by queue, status and screening status."""
    query = select(cases).order_by(cases.c.opened_at, cases.c.id).limit(limit + 1)
    if queue:
        query = query.where(cases.c.queue == queue)
    if status:
        query = query.where(cases.c.status == status)
    if screening:
        query = query.where(cases.c.screening_status == screening)
    if cursor:
        after = decode_cursor(cursor)
        try:
            t = dt.datetime.fromisoformat(str(after["t"]))
            after_id = str(after["id"])
        except (KeyError, ValueError) as exc:
            raise Problem(400, "Invalid cursor", "the cursor is not one this service issued",
                          kind="invalid-cursor") from exc
        query = query.where((cases.c.opened_at > t)
                            | ((cases.c.opened_at == t) & (cases.c.id > after_id)))
    async with ctx.runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    items = [_summary(r) for r in rows[:limit]]
    next_cursor = (encode_cursor({"t": rows[limit - 1].opened_at.isoformat(),
                                  "id": rows[limit - 1].id}) if len(rows) > limit else None)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/cases/{case_id}", summary="One case")
async def get_case(case_id: str, ctx: Ctx, who: Assessor, request: Request,
                   response: Response) -> dict[str, Any]:
    """The case with its routing, screening, consultation state, findings and decision."""
    return await _respond_case(ctx, request, case_id, response)


class FindingIn(BaseModel):
    """A finding on one criterion of Common Position 2008/944/CFSP."""

    model_config = ConfigDict(extra="forbid")
    criterion: int = Field(ge=1, le=8)
    finding: Literal["pass", "concern", "refusal_ground"]
    note: Note = None


@router.post("/cases/{case_id}/findings", summary="Record a finding on a criterion")
async def record_finding(case_id: str, body: FindingIn, ctx: Ctx, who: Assessor,
                         request: Request, response: Response,
                         if_match: IfMatch = None) -> dict[str, Any]:
    """Record (or replace) the finding on one criterion; answers the case."""
    await case_handlers.record_finding(ctx, who, case_id, criterion=body.criterion,
                                       finding=body.finding, note=body.note,
                                       if_match=parse_if_match(if_match))
    return await _respond_case(ctx, request, case_id, response)


@router.post(
    "/cases/{case_id}/screening/retry", status_code=202, summary="Re-run a failed screening",
    responses={202: {"description": "the screening is pending again; the case is answered"},
               404: {"description": "no such case"},
               409: {"description": "the case is closed or decided (`case-closed`), its "
                                    "screening ran already (`screening-completed`), or "
                                    "`If-Match` names an older version"}})
async def retry_screening(case_id: str, ctx: Ctx, who: Assessor, request: Request,
                          response: Response, if_match: IfMatch = None) -> dict[str, Any]:
    """Screen the case against the denials registry again (roles `assessor`, `mfa`).

    For a screening that failed (`screening.status = "failed"`: the registry refused the query
    with a 4xx other than 408/425/429, recorded as `ScreeningFailed`) once its cause is fixed:
    the case goes back to `pending` (event `ScreeningPending` with `retry: true`) and is
    screened in the background; the earlier failure stays in `screening.earlier_failures`.
    For a pending screening it only asks for the next attempt now. Honours `If-Match`.
    """
    await case_handlers.retry_screening(ctx, who, case_id, if_match=parse_if_match(if_match))
    screener = getattr(request.app.state, "screener", None)
    if screener is not None:
        screener.retry_now(case_id)
    return await _respond_case(ctx, request, case_id, response)


class DismissalIn(BaseModel):
    """Dismiss a denial match: the transactions are not essentially identical."""

    model_config = ConfigDict(extra="forbid")
    denial_id: Text300
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


@router.post("/cases/{case_id}/dismissals", summary="Dismiss a denial match with a reason")
async def dismiss_match(case_id: str, body: DismissalIn, ctx: Ctx, who: Assessor,
                        request: Request, response: Response,
                        if_match: IfMatch = None) -> dict[str, Any]:
    """Dismiss a match so it no longer obliges a consultation; answers the case.

    The event `MatchDismissed` names the case's reference; the denials service records the
    ruling as well, and its screenings for this case leave the denial out.
    """
    await case_handlers.dismiss_match(ctx, who, case_id, denial_id=body.denial_id,
                                      reason=body.reason, if_match=parse_if_match(if_match))
    return await _respond_case(ctx, request, case_id, response)


class DecisionIn(BaseModel):
    """An assessor's decision on a case."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["approve", "deny"]
    criteria: list[Annotated[int, Field(ge=1, le=8)]] = Field(default_factory=list,
                                                              max_length=8)
    note: Note = None
    decided_at: AwareDatetime | None = None


@router.post("/cases/{case_id}/decision", summary="Approve or deny a case")
async def decide(case_id: str, body: DecisionIn, ctx: Ctx, who: Assessor, request: Request,
                 response: Response, if_match: IfMatch = None) -> dict[str, Any]:
    """Decide the case; an approved licence application issues its licence."""
    await case_handlers.decide(ctx, who, case_id, outcome=body.outcome,
                               criteria=list(body.criteria), note=body.note,
                               decided_at=body.decided_at, if_match=parse_if_match(if_match))
    return await _respond_case(ctx, request, case_id, response)


# -- licences ------------------------------------------------------------------------------------


class ReasonIn(BaseModel):
    """Why a licence is suspended, reinstated or revoked."""

    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=2000)]




@licence_router.get("/licences/{licence_number}", summary="One licence")
async def get_licence(licence_number: str, ctx: Ctx, who: Assessor) -> dict[str, Any]:
    """The licence with its status, validity, goods, links and history."""
    async with ctx.runtime.sessions() as session:
        return await licence_handlers.load_licence(session, licence_number)


def _licence_action(action: str) -> Any:
    async def change(licence_number: str, body: ReasonIn, ctx: Ctx,
                     who: Assessor) -> dict[str, Any]:
        return await licence_handlers.change_licence(ctx, who, licence_number, action=action,
                                                     reason=body.reason)

    change.__doc__ = f"{action.capitalize()} a licence, with a reason."
    return change


for _action in ("suspend", "reinstate", "revoke"):
    licence_router.post(f"/licences/{{licence_number}}/{_action}",
                        summary=f"{_action.capitalize()} a licence")(_licence_action(_action))


# -- parliament notifications --------------------------------------------------------------------


def _notification(row: Any) -> dict[str, Any]:
    today = dt.datetime.now(domain.AMSTERDAM).date()
    status = "sent" if row.sent_on else ("overdue" if row.due_by < today else "due")
    return {"id": row.id, "licence_number": row.licence_number,
            "application_id": row.application_id, "destination": row.destination,
            "description": row.description, "value_eur": row.value_eur,
            "decided_on": row.decided_on.isoformat(), "due_by": row.due_by.isoformat(),
            "sent_on": row.sent_on.isoformat() if row.sent_on else None, "status": status}


@other_router.get("/parliament-notifications", summary="Fast-track notifications to parliament")
async def list_notifications(
    ctx: Ctx, who: Assessor,
    status: Literal["due", "overdue", "sent"] | None = None,
    limit: Limit = 50, cursor: str | None = None,
) -> Page:
    """Notifications by due date: `due` (not sent, not late), `overdue`, `sent`."""
    t = parliament_notifications.c
    today = dt.datetime.now(domain.AMSTERDAM).date()
    query = select(parliament_notifications).order_by(t.due_by, t.id).limit(limit + 1)
    if status == "due":
        query = query.where(t.sent_on.is_(None), t.due_by >= today)
    elif status == "overdue":
        query = query.where(t.sent_on.is_(None), t.due_by < today)
    elif status == "sent":
        query = query.where(t.sent_on.is_not(None))
    if cursor:
        after = decode_cursor(cursor)
        try:
            due, after_id = dt.date.fromisoformat(str(after["d"])), str(after["id"])
        except (KeyError, ValueError) as exc:
            raise Problem(400, "Invalid cursor", "the cursor is not one this service issued",
                          kind="invalid-cursor") from exc
        query = query.where((t.due_by > due) | ((t.due_by == due) & (t.id > after_id)))
    async with ctx.runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(items=[_notification(r) for r in rows[:limit]],
                next_cursor=encode_cursor({"d": last.due_by.isoformat(), "id": last.id})
                if last else None)


class SentIn(BaseModel):
    """When parliament was informed."""

    model_config = ConfigDict(extra="forbid")
    sent_on: dt.date | None = None


@other_router.post("/parliament-notifications/{notification_id}/sent",
                   summary="Record that parliament was informed")
async def notification_sent(notification_id: str, ctx: Ctx, who: Mfa,
                            body: SentIn | None = None) -> dict[str, Any]:
    """Mark a notification sent (on `sent_on`, default today; not in the future)."""
    today = dt.datetime.now(domain.AMSTERDAM).date()
    sent_on = (body.sent_on if body else None) or today
    if sent_on > today:
        raise Problem(422, "Invalid request", "sent_on lies in the future", kind="validation")
    await licence_handlers.mark_notification_sent(ctx, who, notification_id, sent_on=sent_on)
    async with ctx.runtime.sessions() as session:
        row = (await session.execute(select(parliament_notifications).where(
            parliament_notifications.c.id == notification_id))).one()
    return _notification(row)


# -- classification requests ---------------------------------------------------------------------


@other_router.get("/classification-requests", summary="Classification requests from intake")
async def list_classification_requests(
    ctx: Ctx, who: Assessor, status: Literal["open", "answered"] | None = None,
    limit: Limit = 50, cursor: str | None = None,
) -> Page:
    """Requests oldest first."""
    t = classification_requests.c
    query = select(classification_requests).order_by(t.requested_at, t.id).limit(limit + 1)
    if status:
        query = query.where(t.status == status)
    if cursor:
        after = decode_cursor(cursor)
        try:
            at, after_id = dt.datetime.fromisoformat(str(after["t"])), str(after["id"])
        except (KeyError, ValueError) as exc:
            raise Problem(400, "Invalid cursor", "the cursor is not one this service issued",
                          kind="invalid-cursor") from exc
        query = query.where((t.requested_at > at) | ((t.requested_at == at) & (t.id > after_id)))
    async with ctx.runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(items=[{**json.loads(r.document), "status": r.status} for r in rows[:limit]],
                next_cursor=encode_cursor({"t": last.requested_at.isoformat(), "id": last.id})
                if last else None)


class AnswerIn(BaseModel):
    """The answer to a classification request: a rating, or not controlled."""

    model_config = ConfigDict(extra="forbid")
    rating: Annotated[str | None, Field(max_length=40)] = None
    controlled: bool
    note: Note = None


@other_router.post("/classification-requests/{request_id}/answer",
                   summary="Answer a classification request")
async def answer_classification(request_id: str, body: AnswerIn, ctx: Ctx,
                                who: Assessor) -> dict[str, Any]:
    """Answer with a rating or 'not controlled' (rating null, controlled false)."""
    return await classification.answer(ctx, who, request_id, rating=body.rating,
                                       controlled=body.controlled, note=body.note)
