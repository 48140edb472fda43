"""The denials registry's HTTP API for partner states and Dutch assessors.

Routes only translate HTTP to the handlers; domain errors become problem+json in app.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.denials.handlers import consultations as consult
from services.denials.handlers import registry as reg
from services.denials.handlers.common import Policy
from services.denials.ratings import normalise_rating
from shared.auth import Principal, require
from shared.pagination import Page
from shared.problems import Problem
from shared.reference import ReferenceData
from shared.reference.ratings import valid_dual_use_entry, valid_military_rating
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["denials"])
Reader = Annotated[Principal, Depends(require("partner", "assessor", "mfa"))]
Partner = Annotated[Principal, Depends(require("partner"))]
Dutch = Annotated[Principal, Depends(require("assessor", "mfa"))]
Statistician = Annotated[Principal, Depends(require("partner", "assessor", "mfa", "reporter",
                                                    "admin"))]

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
RatingText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


class Party(BaseModel):
    """A named party of a transaction (end user or consignee)."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    country: Country | None = None


class EndUser(Party):
    """The end user; its country is required."""

    country: Country


def _party(value: Any) -> Any:
    # Some records give the consignee as a bare name.
    return {"name": value} if isinstance(value, str) else value


class DenialIn(BaseModel):
    """A denial notified by a partner state."""

    model_config = ConfigDict(extra="ignore")

    reference: Ref
    denied_on: dt.date
    regime: Literal["military", "dual_use", "anti_torture"]
    destination: Country
    consignee: Party | None = None
    end_user: EndUser
    goods_description: Name
    rating: RatingText | None = None
    quantity: int | None = Field(None, ge=1, le=10**12)
    criteria: list[int] = Field(default_factory=list, max_length=8)

    _consignee = field_validator("consignee", mode="before")(_party)

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, value: list[int]) -> list[int]:
        if any(c < 1 or c > 8 for c in value):
            raise ValueError("criteria are numbers 1 to 8 of Common Position 2008/944/CFSP")
        return sorted(set(value))


class MatchQuery(BaseModel):
    """A transaction to screen against the registry."""

    model_config = ConfigDict(extra="ignore")

    destination: Country
    end_user: Party
    consignee: Party | None = None
    rating: RatingText | None = None
    goods_description: Annotated[str, StringConstraints(max_length=300)] | None = None
    on: dt.date | None = None
    application_ref: Ref | None = Field(
        None, description="extension: the Dutch case's reference; matches dismissed for it "
                          "are left out")

    _consignee = field_validator("consignee", mode="before")(_party)


class Revoke(BaseModel):
    """Why a denial is withdrawn."""

    reason: Prose | None = None


class Renew(BaseModel):
    """The date the denial was confirmed again; validity restarts from it."""

    denied_on: dt.date


class Dismiss(BaseModel):
    """An assessor's ruling that a match is not essentially identical."""

    application_ref: Ref
    denial_id: Ref
    reason: Prose


class ConsultationIn(BaseModel):
    """A consultation on a denial before deciding an essentially identical case."""

    denial_id: Ref
    application_ref: Ref
    question: Prose


class Reply(BaseModel):
    """The denying state's answer."""

    answer: Prose
    note: Prose | None = None


class Outcome(BaseModel):
    """The consulting state's decision on its case."""

    decision: Literal["granted", "denied"]
    reasons: Prose


def _ref(request: Request) -> ReferenceData:
    return request.app.state.reference  # type: ignore[no-any-return]


def _policy(request: Request) -> Policy:
    return request.app.state.policy  # type: ignore[no-any-return]


def _country(ref: ReferenceData, code: str | None, field: str) -> None:
    if code is not None and not ref.is_country(code):
        raise Problem(422, "Invalid request", f"{field}: {code} is not an ISO 3166-1 country",
                      kind="validation", errors=[{"loc": ["body", *field.split(".")],
                                                  "msg": f"{field}: unknown country {code}"}])


def _rating(regime: str, rating: str | None) -> str | None:
    norm = normalise_rating(rating)
    if norm is None:
        return None
    ok = {"military": valid_military_rating, "dual_use": valid_dual_use_entry,
          "anti_torture": lambda r: r.split(".")[0] in ("II", "III", "IV")
          and all(p.isdigit() for p in r.split(".")[1:]) and "." in r}[regime](norm)
    if not ok:
        raise Problem(422, "Invalid request", f"rating: {rating!r} is not a {regime} rating",
                      kind="validation", errors=[{"loc": ["body", "rating"],
                                                  "msg": f"rating: not a {regime} rating"}])
    return norm


@router.post("/denials", status_code=201, summary="Notify a denial (partner states)")
async def register(body: DenialIn, runtime: RuntimeDep, who: Partner,
                   request: Request) -> dict[str, Any]:
    """Register a denial; the notifying state is the token's `state`. 409 on a reused reference.

    A denial is active from `denied_on` up to `active_until` (the day before its third
    anniversary) unless revoked. Extension: the answer carries `active`, `status`,
    `active_until`, `expires_on`, `revoked_on`.
    """
    ref = _ref(request)
    for code, field in ((body.destination, "destination"), (body.end_user.country,
                                                             "end_user.country"),
                        (body.consignee.country if body.consignee else None,
                         "consignee.country")):
        _country(ref, code, field)
    if body.regime == "military" and not body.criteria:
        raise Problem(422, "Invalid request", "criteria: a military denial names the criteria "
                      "it rests on", kind="validation",
                      errors=[{"loc": ["body", "criteria"], "msg": "criteria: required"}])
    data = body.model_dump(mode="json")
    data["rating"] = _rating(body.regime, body.rating)
    return await reg.register_denial(runtime, _policy(request), data, who)


@router.get("/denials", summary="The shared registry of denials")
async def list_denials(
    runtime: RuntimeDep, who: Reader,
    destination: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    state: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page:
    """Denials of every state, newest first. Dutch application ids are shown to Dutch roles only."""
    return await reg.list_denials(runtime, who, destination=destination, state=state,
                                  active=active, limit=limit, cursor=cursor)


@router.post("/denials/matches", summary="Screen a transaction against the registry")
async def matches(body: MatchQuery, runtime: RuntimeDep, who: Reader) -> dict[str, Any]:
    """Active denials of other states for an essentially identical transaction, best first.

    Same destination, same end user or consignee (entity resolution), same rating or the same
    ML category / Annex I entry. Extensions: `registry_version` (registry events applied when
    the screening ran), `on`, `candidates` (the denials the name index offered, each compared
    in full), and per match `reference`, `denied_on`, `rating`,
    `goods_description`; `application_ref` in the request leaves out dismissed matches.
    """
    data = body.model_dump(mode="json")
    data["on"] = body.on
    data["rating"] = normalise_rating(body.rating)
    return await reg.find_matches(runtime, data, who)


@router.post("/denials/matches/dismissals", status_code=201,
             summary="Rule a match not essentially identical (extension)")
async def dismiss(body: Dismiss, runtime: RuntimeDep, who: Dutch,
                  response: Response) -> dict[str, Any]:
    """Record (event `MatchDismissed`) that a denial is not essentially identical to a case.

    The pair is then left out of screenings that name the case's `application_ref`. A repeat
    answers 200 with the first ruling.
    """
    out, created = await reg.dismiss_match(runtime, application_ref=body.application_ref,
                                           denial_id=body.denial_id, reason=body.reason,
                                           who=who)
    if not created:
        response.status_code = 200
    return out


@router.get("/denials/matches/dismissals", summary="Dismissed matches of a case (extension)")
async def dismissals(runtime: RuntimeDep, _who: Dutch,
                     application_ref: Annotated[str, Query(min_length=1, max_length=300)],
                     ) -> dict[str, Any]:
    """The matches ruled not essentially identical for one application."""
    return {"items": await reg.list_dismissals(runtime, application_ref), "next_cursor": None}


@router.get("/denials/{denial_id}", summary="One denial")
async def get_denial(denial_id: str, runtime: RuntimeDep, who: Reader) -> dict[str, Any]:
    """A denial with its validity computed for today (`active`, `status`, `active_until`)."""
    return await reg.get_denial(runtime, denial_id, who)


@router.post("/denials/{denial_id}/revoke", summary="Revoke a denial (notifying state only)")
async def revoke(denial_id: str, runtime: RuntimeDep, who: Reader,
                 body: Revoke | None = None) -> dict[str, Any]:
    """Withdraw a denial from today; only the state that notified it may."""
    return await reg.revoke_denial(runtime, denial_id, body.reason if body else None, who)


@router.post("/denials/{denial_id}/renew", summary="Renew a denial (extension)")
async def renew(denial_id: str, body: Renew, runtime: RuntimeDep, who: Reader,
                request: Request) -> dict[str, Any]:
    """The notifying state confirms its denial on `denied_on`: three years run again from it."""
    return await reg.renew_denial(runtime, _policy(request), denial_id, body.denied_on, who)


@router.post("/consultations", status_code=201, summary="Consult the denying state")
async def open_consultation(body: ConsultationIn, runtime: RuntimeDep, who: Reader,
                            request: Request) -> dict[str, Any]:
    """Open a consultation on another state's active denial; `due_by` is three weeks on."""
    return await consult.open_consultation(
        runtime, _policy(request), denial_id=body.denial_id,
        application_ref=body.application_ref, question=body.question, who=who)


@router.get("/consultations", summary="Consultations the caller's state is a party to")
async def list_consultations(
    runtime: RuntimeDep, who: Reader,
    direction: Literal["started", "received"] | None = None,
    status: Literal["open", "answered", "overdue", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page:
    """Only the consultations the caller's state started or received; `overdue` is computed."""
    return await consult.list_consultations(runtime, who, direction=direction, status=status,
                                            limit=limit, cursor=cursor)


@router.get("/consultations/stats", summary="Consultations started and received per state")
async def consultation_stats(runtime: RuntimeDep, _who: Statistician,
                             year: Annotated[int, Query(ge=1990, le=2100)]) -> dict[str, Any]:
    """Counts per state for the year they were opened (Europe/Amsterdam); no contents."""
    return await consult.stats(runtime, year)


@router.get("/consultations/{consultation_id}", summary="One consultation (parties only)")
async def get_consultation(consultation_id: str, runtime: RuntimeDep,
                           who: Reader) -> dict[str, Any]:
    """A consultation; 404 for a state that is not a party to it."""
    return await consult.get_consultation(runtime, consultation_id, who)


@router.post("/consultations/{consultation_id}/reply", summary="Answer (denying state only)")
async def reply(consultation_id: str, body: Reply, runtime: RuntimeDep,
                who: Reader) -> dict[str, Any]:
    """The denying state's answer; 403 for the consulting state, 404 for anyone else."""
    return await consult.reply(runtime, consultation_id, answer=body.answer, note=body.note,
                               who=who)


@router.post("/consultations/{consultation_id}/outcome",
             summary="Record the decision (consulting state only)")
async def outcome(consultation_id: str, body: Outcome, runtime: RuntimeDep,
                  who: Reader) -> dict[str, Any]:
    """Close the consultation; a grant notifies the denying state with the reasons."""
    return await consult.record_outcome(runtime, consultation_id, decision=body.decision,
                                        reasons=body.reasons, who=who)


@router.get("/notifications", summary="Grants despite the caller's denials (extension)")
async def notifications(
    runtime: RuntimeDep, who: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page:
    """What the caller's state has been told: licences granted despite its denials."""
    return await consult.list_notifications(runtime, who, limit=limit, cursor=cursor)
