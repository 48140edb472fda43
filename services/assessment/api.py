"""Assessment's HTTP API for assessors at the CDIU and the MFA: routes translate HTTP to
commands and queries, and nothing more."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from services.assessment import queries
from services.assessment.deps import (
    Assessor,
    CaseWorker,
    ContextDep,
    IfMatch,
    Mfa,
    RuntimeDep,
    ScreenerDep,
)
from services.assessment.handlers import (
    cases,
    catch_all,
    classification,
    investigations,
    licences,
    screening,
)
from services.assessment.schemas import (
    AdviceIn,
    AnswerIn,
    CasePage,
    CaseView,
    CatchAllIn,
    CatchAllPage,
    CatchAllView,
    ClassificationPage,
    ClassificationRequestView,
    ConfidentialIn,
    DecisionIn,
    DismissalIn,
    FindingIn,
    InvestigationIn,
    InvestigationPage,
    InvestigationView,
    LetterIn,
    LetterPage,
    LetterView,
    LicenceView,
    LiftIn,
    NotificationPage,
    NotificationView,
    OutcomeIn,
    ReasonIn,
    ReferralIn,
    SanctionsDismissalIn,
    SentIn,
)
from shared.clock import today
from shared.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["cases"])
licence_router = APIRouter(prefix="/v1", tags=["licences"])
other_router = APIRouter(prefix="/v1", tags=["parliament and classification"])
follow_up = APIRouter(prefix="/v1", tags=["catch-all requirements and investigations"])
routers = [router, licence_router, other_router, follow_up]

Limit = Annotated[int, Query(ge=1, le=500)]
READ = problem_responses(401, 403, 404, 503)
LIST = problem_responses(400, 401, 403, 422, 503)
COMMAND = problem_responses(400, 413, 401, 403, 404, 409, 422, 503)


async def _case(ctx: ContextDep, case_id: str, response: Response,
                screener: ScreenerDep) -> dict[str, Any]:
    """The case as answered after a read or a command, its version as the `ETag`."""
    async with ctx.runtime.sessions() as session:
        view = await queries.case_view(session, case_id,
                                       screener.last_errors if screener is not None else None,
                                       vault=ctx.runtime.vault)
    response.headers["ETag"] = f'"{view["version"]}"'
    return view


# -- cases ---------------------------------------------------------------------------------------


@router.get("/cases", summary="Cases in a queue", response_model=CasePage,
            response_model_exclude_unset=True, responses=LIST)
async def list_cases(
    runtime: RuntimeDep, who: CaseWorker,
    queue: Literal["cdiu", "mfa"] | None = None,
    status: Literal["open", "decided", "withdrawn"] | None = None,
    screening: Annotated[Literal["pending", "completed", "failed"] | None, Query(
        description="extension: the screening status, e.g. `failed` for the cases whose "
                    "screening must be re-run")] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Cases oldest first, filtered by queue, status and screening status."""
    async with runtime.sessions() as session:
        return await queries.case_page(session, queue=queue, status=status,
                                       screening=screening, limit=limit, cursor=cursor)


@router.get("/cases/{case_id}", summary="One case", response_model=CaseView,
            response_model_exclude_unset=True, responses=READ)
async def get_case(case_id: str, ctx: ContextDep, who: CaseWorker, response: Response,
                   screener: ScreenerDep) -> dict[str, Any]:
    """The case with its routing, screening, consultation state, findings and decision."""
    return await _case(ctx, case_id, response, screener)


@router.post("/cases/{case_id}/findings", summary="Record a finding on a criterion",
             response_model=CaseView, response_model_exclude_unset=True, responses=COMMAND)
async def record_finding(case_id: str, body: FindingIn, ctx: ContextDep, who: CaseWorker,
                         response: Response, screener: ScreenerDep,
                         if_match: IfMatch) -> dict[str, Any]:
    """Record (or replace) the finding on one criterion; answers the case. Honours `If-Match`."""
    await cases.record_finding(ctx, who, case_id, criterion=body.criterion,
                               finding=body.finding, note=body.note, if_match=if_match)
    return await _case(ctx, case_id, response, screener)


RETRY_RESPONSES = {
    **problem_responses(400, 401, 403, 404, 409, 503),
    202: {"description": "the screening is pending again; the case is answered"},
}
RETRY_RESPONSES[409] = {**RETRY_RESPONSES[409], "description": (
    "the case is closed or decided (`case-closed`), its screening ran already "
    "(`screening-completed`), or `If-Match` names an older version (`version-conflict`)")}


@router.post("/cases/{case_id}/screening/retry", status_code=202,
             summary="Re-run a failed screening", response_model=CaseView,
             response_model_exclude_unset=True, responses=RETRY_RESPONSES)
async def retry_screening(case_id: str, ctx: ContextDep, who: CaseWorker, response: Response,
                          screener: ScreenerDep, if_match: IfMatch) -> dict[str, Any]:
    """Screen the case against the denials registry again (roles `assessor`, `mfa`).

    For a screening that failed (`screening.status = "failed"`: the registry refused the query
    with a 4xx other than 408/425/429, recorded as `ScreeningFailed`) once its cause is fixed:
    the case goes back to `pending` (event `ScreeningPending` with `retry: true`) and is
    screened in the background; the earlier failure stays in `screening.earlier_failures`.
    For a pending screening it only asks for the next attempt now. Honours `If-Match`.
    """
    await screening.retry(ctx, who, case_id, if_match=if_match)
    if screener is not None:
        screener.retry_now(case_id)
    return await _case(ctx, case_id, response, screener)


@router.post("/cases/{case_id}/dismissals", summary="Dismiss a denial match with a reason",
             response_model=CaseView, response_model_exclude_unset=True, responses=COMMAND)
async def dismiss_match(case_id: str, body: DismissalIn, ctx: ContextDep, who: CaseWorker,
                        response: Response, screener: ScreenerDep,
                        if_match: IfMatch) -> dict[str, Any]:
    """Dismiss a match so it no longer obliges a consultation; answers the case.

    The event `MatchDismissed` names the case's reference; the denials service records the
    ruling as well, and its screenings for this case leave the denial out.
    """
    await cases.dismiss_match(ctx, who, case_id, denial_id=body.denial_id, reason=body.reason,
                              if_match=if_match)
    return await _case(ctx, case_id, response, screener)


@router.post("/cases/{case_id}/sanctions-hits/{entity_id}/dismissal",
             summary="Dismiss a sanctions hit with a reason (extension)",
             response_model=CaseView, response_model_exclude_unset=True, responses=COMMAND)
async def dismiss_sanctions_hit(case_id: str, entity_id: str, body: SanctionsDismissalIn,
                                ctx: ContextDep, who: CaseWorker, response: Response,
                                screener: ScreenerDep, if_match: IfMatch) -> dict[str, Any]:
    """Rule that a party found on the EU financial sanctions list is not the listed entity
    `entity_id` (event `SanctionsHitDismissed`, the assessor recorded as its actor); answers
    the case. Approval waits for every undismissed hit (409 `sanctioned-party`, naming the
    party and the entity). 422 for an entity that is not among the case's hits, 409 for one
    dismissed already. Only the case's queue role rules; honours `If-Match`.
    """
    await cases.dismiss_sanctions_hit(ctx, who, case_id, entity_id=entity_id,
                                      reason=body.reason, if_match=if_match)
    return await _case(ctx, case_id, response, screener)


@router.post("/cases/{case_id}/decision", summary="Approve or deny a case",
             response_model=CaseView, response_model_exclude_unset=True, responses=COMMAND)
async def decide(case_id: str, body: DecisionIn, ctx: ContextDep, who: CaseWorker,
                 response: Response, screener: ScreenerDep,
                 if_match: IfMatch) -> dict[str, Any]:
    """Decide the case; an approved licence application issues its licence."""
    await cases.decide(ctx, who, case_id, outcome=body.outcome, criteria=body.criteria,
                       grounds=body.grounds, note=body.note, decided_at=body.decided_at,
                       if_match=if_match)
    return await _case(ctx, case_id, response, screener)


@router.post("/cases/{case_id}/referral", summary="Refer a CDIU case to the MFA",
             response_model=CaseView, response_model_exclude_unset=True, responses=COMMAND)
async def refer(case_id: str, body: ReferralIn, ctx: ContextDep, who: Assessor,
                response: Response, screener: ScreenerDep, if_match: IfMatch) -> dict[str, Any]:
    """Extension: the CDIU refers an open case of its queue to the MFA, with a reason (event
    `CaseReferred`); the MFA decides it from then on. Honours `If-Match`."""
    await cases.refer(ctx, who, case_id, reason=body.reason, if_match=if_match)
    return await _case(ctx, case_id, response, screener)


@router.post("/cases/{case_id}/advice", summary="Record the MFA's foreign-policy advice",
             response_model=CaseView, response_model_exclude_unset=True, responses=COMMAND)
async def advise(case_id: str, body: AdviceIn, ctx: ContextDep, who: Mfa, response: Response,
                 screener: ScreenerDep, if_match: IfMatch) -> dict[str, Any]:
    """Extension: the MFA's advice (positive or negative, with criteria, the regime's grounds
    and a note; event `AdviceRecorded`); the decision cites the latest one."""
    await cases.record_advice(ctx, who, case_id, position=body.position,
                              criteria=body.criteria, grounds=body.grounds, note=body.note,
                              if_match=if_match)
    return await _case(ctx, case_id, response, screener)


# -- licences ------------------------------------------------------------------------------------


@licence_router.get("/licences/{licence_number}", summary="One licence",
                    response_model=LicenceView, response_model_exclude_unset=True,
                    responses=READ)
async def get_licence(licence_number: str, runtime: RuntimeDep,
                      who: CaseWorker) -> dict[str, Any]:
    """The licence with its status, validity, goods, links and history."""
    async with runtime.sessions() as session:
        return await queries.licence_view(session, licence_number, vault=runtime.vault)


LICENCE_CHANGE = problem_responses(401, 413, 403, 404, 409, 422, 503)


async def _change(ctx: ContextDep, who: CaseWorker, licence_number: str,
                  action: Literal["suspend", "reinstate", "revoke"],
                  reason: str) -> dict[str, Any]:
    await licences.change_licence(ctx, who, licence_number, action=action, reason=reason)
    async with ctx.runtime.sessions() as session:
        return await queries.licence_view(session, licence_number, vault=ctx.runtime.vault)


@licence_router.post("/licences/{licence_number}/suspend", summary="Suspend a licence",
                     response_model=LicenceView, response_model_exclude_unset=True,
                     responses=LICENCE_CHANGE)
async def suspend(licence_number: str, body: ReasonIn, ctx: ContextDep,
                  who: CaseWorker) -> dict[str, Any]:
    """Suspend a licence, with a reason."""
    return await _change(ctx, who, licence_number, "suspend", body.reason)


@licence_router.post("/licences/{licence_number}/reinstate", summary="Reinstate a licence",
                     response_model=LicenceView, response_model_exclude_unset=True,
                     responses=LICENCE_CHANGE)
async def reinstate(licence_number: str, body: ReasonIn, ctx: ContextDep,
                    who: CaseWorker) -> dict[str, Any]:
    """Reinstate a licence, with a reason."""
    return await _change(ctx, who, licence_number, "reinstate", body.reason)


@licence_router.post("/licences/{licence_number}/revoke", summary="Revoke a licence",
                     response_model=LicenceView, response_model_exclude_unset=True,
                     responses=LICENCE_CHANGE)
async def revoke(licence_number: str, body: ReasonIn, ctx: ContextDep,
                 who: CaseWorker) -> dict[str, Any]:
    """Revoke a licence, with a reason."""
    return await _change(ctx, who, licence_number, "revoke", body.reason)


@licence_router.post("/licences/{licence_number}/confidential",
                     summary="Withhold a licence from public reports",
                     response_model=LicenceView, response_model_exclude_unset=True,
                     responses=LICENCE_CHANGE)
async def confidential(licence_number: str, body: ConfidentialIn, ctx: ContextDep,
                       who: CaseWorker) -> dict[str, Any]:
    """Extension: the licence is confidential until `release_on` (a day still to come), with a
    reason (event `LicenceMarkedConfidential`)."""
    await licences.mark_confidential(ctx, who, licence_number, release_on=body.release_on,
                                     reason=body.reason)
    async with ctx.runtime.sessions() as session:
        return await queries.licence_view(session, licence_number, vault=ctx.runtime.vault)


# -- parliament notifications --------------------------------------------------------------------


@other_router.get("/parliament-notifications", summary="Fast-track notifications to parliament",
                  response_model=NotificationPage, response_model_exclude_unset=True,
                  responses=LIST)
async def list_notifications(
    runtime: RuntimeDep, who: CaseWorker,
    status: Literal["due", "overdue", "sent"] | None = None,
    limit: Limit = 50, cursor: str | None = None,
) -> dict[str, Any]:
    """Notifications by due date: `due` (not sent, not late), `overdue`, `sent`."""
    async with runtime.sessions() as session:
        return await queries.notification_page(session, status=status, today=today(),
                                               limit=limit, cursor=cursor)


@other_router.post("/parliament-notifications/{notification_id}/sent",
                   summary="Record that parliament was informed",
                   response_model=NotificationView, response_model_exclude_unset=True,
                   responses=problem_responses(413, 401, 403, 404, 409, 422, 503))
async def notification_sent(notification_id: str, ctx: ContextDep, who: Mfa,
                            body: SentIn | None = None) -> dict[str, Any]:
    """Mark a notification sent (on `sent_on`, default today; not in the future)."""
    await licences.mark_notification_sent(
        ctx, who, notification_id, sent_on=body.sent_on if body else None,
        explanation=body.explanation if body else None,
        letter_reference=body.letter_reference if body else None)
    async with ctx.runtime.sessions() as session:
        return await queries.notification(session, notification_id, today())


@other_router.post("/parliament-letters", status_code=201,
                   summary="Record a periodic letter to parliament", response_model=LetterView,
                   response_model_exclude_unset=True,
                   responses=problem_responses(413, 401, 403, 422, 503))
async def send_letter(body: LetterIn, ctx: ContextDep, who: Mfa) -> dict[str, Any]:
    """Extension: a letter (event `ParliamentLetterSent`, on its own stream) reports the listed
    licences; each one whose notice waits is sent by it (`ParliamentNotificationSent` with the
    letter's reference). Every listed licence must exist (422 names the others). `kind`
    `defence_surplus_notice`: the Ministry of Defence's notice before a surplus sale, which may
    list no licence; a periodic letter lists at least one."""
    letter_id = await licences.send_letter(
        ctx, who, reference=body.reference, sent_on=body.sent_on, destination=body.destination,
        licence_numbers=body.licence_numbers, note=body.note, kind=body.kind)
    async with ctx.runtime.sessions() as session:
        return await queries.letter(session, letter_id)


@other_router.get("/parliament-letters", summary="Periodic letters to parliament",
                  response_model=LetterPage, response_model_exclude_unset=True, responses=LIST)
async def list_letters(runtime: RuntimeDep, who: CaseWorker, limit: Limit = 50,
                       cursor: str | None = None) -> dict[str, Any]:
    """Extension: the letters, oldest first."""
    async with runtime.sessions() as session:
        return await queries.letter_page(session, limit=limit, cursor=cursor)


# -- catch-all requirements and investigations -------------------------------------------------


@follow_up.post("/catch-all-requirements", status_code=201,
                summary="Impose a catch-all requirement", response_model=CatchAllView,
                response_model_exclude_unset=True,
                responses=problem_responses(401, 403, 413, 422, 503))
async def impose(body: CatchAllIn, ctx: ContextDep, who: CaseWorker) -> dict[str, Any]:
    """Extension: a licence requirement for goods on no list, imposed on an exporter for a
    destination or an end user (event `CatchAllRequirementImposed`, on its own stream). While
    it holds, the exporter's application to that destination (or end user) opens a catch-all
    case (MFA, rule `catch_all.requirement`), counted as catch-all."""
    requirement_id = await catch_all.impose(
        ctx, who, regime=body.regime, exporter=body.exporter,
        goods_description=body.goods_description, destination=body.destination,
        end_user_name=body.end_user_name, ground=body.ground, note=body.note,
        imposed_on=body.imposed_on)
    async with ctx.runtime.sessions() as session:
        return await queries.requirement(session, requirement_id, today())


@follow_up.post("/catch-all-requirements/{requirement_id}/lift",
                summary="Lift a catch-all requirement", response_model=CatchAllView,
                response_model_exclude_unset=True,
                responses=problem_responses(413, 401, 403, 404, 409, 422, 503))
async def lift(requirement_id: str, body: LiftIn, ctx: ContextDep,
               who: CaseWorker) -> dict[str, Any]:
    """Extension: from `lifted_on` on the requirement covers nothing (event
    `CatchAllRequirementLifted`)."""
    await catch_all.lift(ctx, who, requirement_id, lifted_on=body.lifted_on,
                         reason=body.reason)
    async with ctx.runtime.sessions() as session:
        return await queries.requirement(session, requirement_id, today())


@follow_up.get("/catch-all-requirements", summary="Catch-all requirements",
               response_model=CatchAllPage, response_model_exclude_unset=True, responses=LIST)
async def list_requirements(runtime: RuntimeDep, who: CaseWorker, active: bool | None = None,
                            limit: Limit = 50, cursor: str | None = None) -> dict[str, Any]:
    """Extension: by the day they were imposed; `?active=true` those that hold today."""
    async with runtime.sessions() as session:
        return await queries.requirement_page(session, active=active, today=today(),
                                              limit=limit, cursor=cursor)


@follow_up.post("/investigations", status_code=201, summary="Refer for investigation",
                response_model=InvestigationView, response_model_exclude_unset=True,
                responses=problem_responses(413, 401, 403, 422, 503))
async def refer_investigation(body: InvestigationIn, ctx: ContextDep,
                              who: CaseWorker) -> dict[str, Any]:
    """Extension: a flagged realisation, a refused shipment or a case referred to the
    enforcement authority (event `InvestigationReferred`, on its own stream)."""
    referral_id = await investigations.refer(
        ctx, who, subject_kind=body.subject_kind, subject_id=body.subject_id,
        reason=body.reason, referred_on=body.referred_on, authority=body.authority)
    async with ctx.runtime.sessions() as session:
        return await queries.investigation(session, referral_id, today())


@follow_up.post("/investigations/{referral_id}/outcome",
                summary="Record the outcome of an investigation",
                response_model=InvestigationView, response_model_exclude_unset=True,
                responses=problem_responses(413, 401, 403, 404, 409, 422, 503))
async def conclude_investigation(referral_id: str, body: OutcomeIn, ctx: ContextDep,
                                 who: CaseWorker) -> dict[str, Any]:
    """Extension: no action, a warning, a fine or prosecution (event
    `InvestigationConcluded`)."""
    await investigations.conclude(ctx, who, referral_id, outcome=body.outcome, note=body.note,
                                  concluded_on=body.concluded_on)
    async with ctx.runtime.sessions() as session:
        return await queries.investigation(session, referral_id, today())


@follow_up.get("/investigations", summary="Referrals for investigation",
               response_model=InvestigationPage, response_model_exclude_unset=True,
               responses=LIST)
async def list_investigations(runtime: RuntimeDep, who: CaseWorker,
                              status: Literal["open", "closed"] | None = None,
                              limit: Limit = 50, cursor: str | None = None) -> dict[str, Any]:
    """Extension: an officer's list, oldest first; an open referral has its `age_days`."""
    async with runtime.sessions() as session:
        return await queries.investigation_page(session, status=status, today=today(),
                                                limit=limit, cursor=cursor)


# -- classification requests ---------------------------------------------------------------------


@other_router.get("/classification-requests", summary="Classification requests from intake",
                  response_model=ClassificationPage, response_model_exclude_unset=True,
                  responses=LIST)
async def list_classification_requests(
    runtime: RuntimeDep, who: CaseWorker, status: Literal["open", "answered"] | None = None,
    limit: Limit = 50, cursor: str | None = None,
) -> dict[str, Any]:
    """Requests oldest first."""
    async with runtime.sessions() as session:
        return await queries.classification_page(session, status=status, limit=limit,
                                                 cursor=cursor)


@other_router.post("/classification-requests/{request_id}/answer",
                   summary="Answer a classification request",
                   response_model=ClassificationRequestView, response_model_exclude_unset=True,
                   responses=problem_responses(413, 401, 403, 404, 409, 422, 503))
async def answer_classification(request_id: str, body: AnswerIn, ctx: ContextDep,
                                who: CaseWorker) -> dict[str, Any]:
    """Answer with a rating or 'not controlled' (rating null, controlled false)."""
    return await classification.answer(ctx, who, request_id, rating=body.rating,
                                       controlled=body.controlled, note=body.note)
