"""The denials registry's HTTP API for partner states and Dutch officials.

Routes only translate HTTP to commands and queries; the rules are in `domain`, domain errors
answer problem+json through the one table in `shared.problems`. Answers keep exactly the fields
they hold (`response_model_exclude_unset`): a partner's denial has no Dutch-only fields.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from services.denials import queries
from services.denials.deps import (
    DutchOfficial,
    Partner,
    PolicyDep,
    ReferenceDep,
    RegistryReader,
    RuntimeDep,
    StatisticsReader,
)
from services.denials.domain.consultation import OpenConsultation, RecordOutcome, Reply
from services.denials.domain.denial import DismissMatch, NotifyDenial, RenewDenial, RevokeDenial
from services.denials.handlers import consultations, registry
from services.denials.schemas import (
    ConsultationIn,
    ConsultationOut,
    ConsultationPage,
    ConsultationStats,
    DenialIn,
    DenialOut,
    DenialPage,
    Dismiss,
    DismissalOut,
    DismissalPage,
    Matches,
    MatchQuery,
    NotificationPage,
    Outcome,
    Renew,
    ReplyIn,
    Revoke,
)
from shared.clock import utcnow
from shared.contracts.types import Consignee, EndUser
from shared.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["denials"])

Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=500)]
CountryCode = Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")]
# Every route reads the database: a busy or unreachable one answers 503.
READ = (401, 403, 422, 503)


@router.post("/denials", status_code=201, summary="Notify a denial (partner states)",
             response_model=DenialOut, response_model_exclude_unset=True,
             responses=problem_responses(413, *READ, 409))
async def register(body: DenialIn, runtime: RuntimeDep, who: Partner, policy: PolicyDep,
                   reference: ReferenceDep) -> dict[str, Any]:
    """Register a denial; the notifying state is the token's `state`. 409 on a reused reference.

    A denial is active from `denied_on` up to `active_until` (the day before its third
    anniversary) unless revoked. Extensions: `grounds` beside the criteria, validated per
    regime (military: criteria only; dual-use: criteria or grounds of Regulation (EU) 2021/821;
    anti-torture: grounds of Regulation (EU) 2019/125 only); `aliases` on the end user and the
    consignee; the answer carries `active`, `status`, `active_until`, `expires_on`,
    `revoked_on`.
    """
    cmd = NotifyDenial(
        id=str(uuid.uuid4()), state=who.state, reference=body.reference,
        denied_on=body.denied_on, regime=body.regime, destination=body.destination,
        consignee=(Consignee(name=body.consignee.name, country=body.consignee.country)
                   if body.consignee else None),
        end_user=EndUser(name=body.end_user.name, country=body.end_user.country),
        goods_description=body.goods_description, rating=body.rating, quantity=body.quantity,
        criteria=tuple(body.criteria), grounds=tuple(body.grounds),
        end_user_aliases=tuple(body.end_user.aliases),
        consignee_aliases=tuple(body.consignee.aliases) if body.consignee else ())
    await registry.notify_denial(runtime, policy, cmd, actor=who.as_actor(),
                                 is_country=reference.is_country)
    return await queries.denial(runtime, cmd.id, who)


@router.get("/denials", summary="The shared registry of denials", response_model=DenialPage,
            response_model_exclude_unset=True, responses=problem_responses(400, *READ))
async def list_denials(runtime: RuntimeDep, who: RegistryReader, destination: CountryCode = None,
                       state: CountryCode = None, active: bool | None = None, limit: Limit = 50,
                       cursor: Cursor = None) -> dict[str, Any]:
    """Denials of every state, newest first. Dutch application ids are shown to Dutch roles only."""
    return await queries.denial_page(runtime, who, destination=destination, state=state,
                                     active=active, limit=limit, cursor=cursor)


@router.post("/denials/matches", summary="Screen a transaction against the registry",
             response_model=Matches, responses=problem_responses(413, *READ))
async def matches(body: MatchQuery, runtime: RuntimeDep, who: RegistryReader) -> dict[str, Any]:
    """Active denials of other states for an essentially identical transaction, best first.

    Same destination, same end user or consignee (entity resolution), same rating or the same
    ML category / Annex I entry. Extensions: `registry_version` (registry events applied when
    the screening ran), `on`, `candidates` (the denials the name index offered, each compared
    in full), `matcher_version` (which matcher judged the names), and per match `reference`,
    `denied_on`, `rating`, `goods_description`; `application_ref` in the request leaves out
    dismissed matches; `aliases` on the end user or consignee are compared too, with every
    name of each denial (its parties' names and aliases), and a reason names the pair matched.
    """
    return await queries.find_matches(
        runtime, who, destination=body.destination, end_user=body.end_user.name,
        consignee=body.consignee.name if body.consignee else None, rating=body.rating,
        on=body.on, application_ref=body.application_ref,
        end_user_aliases=body.end_user.aliases,
        consignee_aliases=body.consignee.aliases if body.consignee else ())


@router.post("/denials/matches/dismissals", status_code=201,
             summary="Rule a match not essentially identical (extension)",
             response_model=DismissalOut, responses=problem_responses(413, *READ, 404, 409))
async def dismiss(body: Dismiss, runtime: RuntimeDep, who: DutchOfficial, policy: PolicyDep,
                  response: Response) -> dict[str, Any]:
    """Record (event `MatchDismissed`) that a denial is not essentially identical to a case.

    The pair is then left out of screenings that name the case's `application_ref`. A repeat
    answers 200 with the first ruling.
    """
    cmd = DismissMatch(denial_id=body.denial_id, application_ref=body.application_ref,
                       reason=body.reason, dismissed_at=utcnow())
    if not await registry.dismiss_match(runtime, policy, cmd, actor=who.as_actor()):
        response.status_code = 200
    return await queries.dismissal(runtime, application_ref=body.application_ref,
                                   denial_id=body.denial_id)


@router.get("/denials/matches/dismissals", summary="Dismissed matches of a case (extension)",
            response_model=DismissalPage, responses=problem_responses(*READ))
async def dismissals(runtime: RuntimeDep, _who: DutchOfficial,
                     application_ref: Annotated[str, Query(min_length=1, max_length=300)],
                     ) -> dict[str, Any]:
    """The matches ruled not essentially identical for one application."""
    return await queries.dismissal_list(runtime, application_ref)


@router.get("/denials/{denial_id}", summary="One denial", response_model=DenialOut,
            response_model_exclude_unset=True, responses=problem_responses(*READ, 404))
async def get_denial(denial_id: str, runtime: RuntimeDep, who: RegistryReader) -> dict[str, Any]:
    """A denial with its validity computed for today (`active`, `status`, `active_until`)."""
    return await queries.denial(runtime, denial_id, who)


@router.post("/denials/{denial_id}/revoke", summary="Revoke a denial (notifying state only)",
             response_model=DenialOut, response_model_exclude_unset=True,
             responses=problem_responses(413, *READ, 404, 409))
async def revoke(denial_id: str, runtime: RuntimeDep, who: RegistryReader, policy: PolicyDep,
                 body: Revoke | None = None) -> dict[str, Any]:
    """Withdraw a denial from today; only the state that notified it may."""
    cmd = RevokeDenial(denial_id=denial_id, by_state=who.state,
                       reason=body.reason if body else None)
    await registry.revoke_denial(runtime, policy, cmd, actor=who.as_actor())
    return await queries.denial(runtime, denial_id, who)


@router.post("/denials/{denial_id}/renew", summary="Renew a denial (extension)",
             response_model=DenialOut, response_model_exclude_unset=True,
             responses=problem_responses(413, *READ, 404, 409))
async def renew(denial_id: str, body: Renew, runtime: RuntimeDep, who: RegistryReader,
                policy: PolicyDep) -> dict[str, Any]:
    """The notifying state confirms its denial on `denied_on`: three years run again from it."""
    cmd = RenewDenial(denial_id=denial_id, by_state=who.state, denied_on=body.denied_on)
    await registry.renew_denial(runtime, policy, cmd, actor=who.as_actor())
    return await queries.denial(runtime, denial_id, who)


@router.post("/consultations", status_code=201, summary="Consult the denying state",
             response_model=ConsultationOut, response_model_exclude_unset=True,
             responses=problem_responses(413, *READ, 404, 409))
async def open_consultation(body: ConsultationIn, runtime: RuntimeDep, who: RegistryReader,
                            policy: PolicyDep) -> dict[str, Any]:
    """Open a consultation on another state's active denial; `due_by` is three weeks on."""
    cmd = OpenConsultation(id=str(uuid.uuid4()), denial_id=body.denial_id,
                           application_ref=body.application_ref, question=body.question,
                           by_state=who.state, at=utcnow())
    await consultations.open_on_denial(runtime, policy, cmd, actor=who.as_actor())
    return await queries.consultation(runtime, cmd.id, who)


@router.get("/consultations", summary="Consultations the caller's state is a party to",
            response_model=ConsultationPage, response_model_exclude_unset=True,
            responses=problem_responses(400, *READ))
async def list_consultations(
    runtime: RuntimeDep, who: RegistryReader,
    direction: Literal["started", "received"] | None = None,
    status: Literal["open", "answered", "overdue", "closed"] | None = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> dict[str, Any]:
    """Only the consultations the caller's state started or received; `overdue` is computed."""
    return await queries.consultation_page(runtime, who, direction=direction, status=status,
                                           limit=limit, cursor=cursor)


@router.get("/consultations/stats", summary="Consultations started and received per state",
            response_model=ConsultationStats, responses=problem_responses(*READ))
async def consultation_stats(runtime: RuntimeDep, _who: StatisticsReader,
                             year: Annotated[int, Query(ge=1990, le=2100)]) -> dict[str, Any]:
    """Counts per state for the year they were opened (Europe/Amsterdam); no contents."""
    return await queries.consultation_stats(runtime, year)


@router.get("/consultations/{consultation_id}", summary="One consultation (parties only)",
            response_model=ConsultationOut, response_model_exclude_unset=True,
            responses=problem_responses(*READ, 404))
async def get_consultation(consultation_id: str, runtime: RuntimeDep,
                           who: RegistryReader) -> dict[str, Any]:
    """A consultation; 404 for a state that is not a party to it."""
    return await queries.consultation(runtime, consultation_id, who)


@router.post("/consultations/{consultation_id}/reply", summary="Answer (denying state only)",
             response_model=ConsultationOut, response_model_exclude_unset=True,
             responses=problem_responses(413, *READ, 404, 409))
async def reply(consultation_id: str, body: ReplyIn, runtime: RuntimeDep,
                who: RegistryReader) -> dict[str, Any]:
    """The denying state's answer; 403 for the consulting state, 404 for anyone else."""
    cmd = Reply(consultation_id=consultation_id, by_state=who.state, answer=body.answer,
                note=body.note, at=utcnow())
    await consultations.reply_to(runtime, cmd, actor=who.as_actor())
    return await queries.consultation(runtime, consultation_id, who)


@router.post("/consultations/{consultation_id}/outcome",
             summary="Record the decision (consulting state only)",
             response_model=ConsultationOut, response_model_exclude_unset=True,
             responses=problem_responses(413, *READ, 404, 409))
async def outcome(consultation_id: str, body: Outcome, runtime: RuntimeDep,
                  who: RegistryReader) -> dict[str, Any]:
    """Close the consultation; a grant notifies the denying state with the reasons."""
    cmd = RecordOutcome(consultation_id=consultation_id, by_state=who.state,
                        decision=body.decision, reasons=body.reasons, at=utcnow())
    await consultations.close_with_outcome(runtime, cmd, actor=who.as_actor())
    return await queries.consultation(runtime, consultation_id, who)


@router.get("/notifications", summary="Grants despite the caller's denials (extension)",
            response_model=NotificationPage, responses=problem_responses(400, *READ))
async def notifications(runtime: RuntimeDep, who: RegistryReader, limit: Limit = 50,
                        cursor: Cursor = None) -> dict[str, Any]:
    """What the caller's state has been told: licences granted despite its denials."""
    return await queries.notification_page(runtime, who, limit=limit, cursor=cursor)
