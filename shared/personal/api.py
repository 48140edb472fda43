"""The personal-data endpoints every service mounts (through shared.service): erase a data
subject here, and list the subjects past their retention period.

`POST /v1/personal-data/erasures` and `GET /v1/personal-data/due` (role `admin`) are written
once, here; each service answers for what it holds (its records are the streams of its copy
of the event log that name the subject, shared.personal.holdings). `licensing erase` calls
them on every service.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Principal, Role, require
from shared.clock import business_date, utcnow
from shared.contracts.types import ErasureGround, SubjectId
from shared.personal.erasure import OVERRIDING, due, erase
from shared.personal.holdings import holdings_of
from shared.problems import problem_responses
from shared.service import Runtime

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


class ErasureIn(BaseModel):
    """Erase a data subject's personal data in this service."""

    model_config = ConfigDict(extra="forbid")

    subject: SubjectId = Field(description="the data subject id (`ps_` and 32 letters)")
    ground: ErasureGround = Field(
        description="why: `retention-ended`, `subject-request` (both wait for the retention "
                    f"period), or {' / '.join(f'`{g}`' for g in sorted(OVERRIDING))} "
                    "(override it)")


class ErasureOut(BaseModel):
    """What the erasure did in this service."""

    service: str
    subject: str
    ground: str
    erased_at: dt.datetime
    keys_deleted: int = Field(description="this service's own data keys of the subject deleted")
    event_id: str | None = Field(
        description="the `PersonalDataErased` event recording it (none in a service that "
                    "records no events)")


class DueSubject(BaseModel):
    """A data subject whose records here are all past their retention period."""

    subject: str
    retained_until: dt.date
    kinds: list[str]


class DueOut(BaseModel):
    """The subjects this service may erase now (ground `retention-ended`)."""

    service: str
    today: dt.date
    items: list[DueSubject]


def personal_data_router(records: str = "events") -> APIRouter:
    """The two endpoints; `records` names the table of the service's copy of the log."""
    router = APIRouter(prefix="/v1/personal-data", tags=["personal data"])

    def runtime_of(request: Request) -> Runtime:
        return request.app.state.runtime  # type: ignore[no-any-return]

    @router.post("/erasures", summary="Erase a data subject's personal data here",
                 response_model=ErasureOut, status_code=200,
                 responses=problem_responses(401, 403, 409, 413, 422, 503),
                 description="Deletes the subject's data keys in this service, so every "
                             "personal field sealed under them reads as erased, in every "
                             "event, read and backup; records it as a `PersonalDataErased` "
                             "event holding no personal data. 409 `retention-not-over` while "
                             "the subject's records must still be kept (`retained_until` says "
                             "until when), unless the ground overrides retention. Erasing "
                             "again is harmless.")
    async def post_erasure(body: ErasureIn, request: Request, who: Admin) -> ErasureOut:
        runtime = runtime_of(request)
        keys = runtime.vault.keys
        async with runtime.sessions() as session:
            held = await holdings_of(session, runtime.metadata.tables[records], [body.subject])
        store = runtime.store if runtime.records_events else None
        async with runtime.transaction() as session:
            done = await erase(keys, body.subject, body.ground, holdings=held,
                               years=runtime.settings.retention_years, session=session,
                               store=store, actor=who.as_actor())
        return ErasureOut(service=runtime.settings.service, subject=done.subject,
                          ground=done.ground, erased_at=done.erased_at,
                          keys_deleted=done.keys_deleted,
                          event_id=done.event.event_id if done.event is not None else None)

    @router.get("/due", summary="The data subjects past their retention period",
                response_model=DueOut, responses=problem_responses(401, 403, 503),
                description="Every subject this service holds keys of whose records here are "
                            "all past their retention period (`LICENSING_RETENTION_YEARS`, "
                            "years from the end of the calendar year of the last event) and "
                            "not erased since; oldest period first.")
    async def get_due(request: Request, who: Admin) -> DueOut:
        runtime = runtime_of(request)
        keys = runtime.vault.keys
        subjects = await keys.subjects()
        async with runtime.sessions() as session:
            held = await holdings_of(session, runtime.metadata.tables[records], subjects)
        today = business_date(utcnow())
        found = await due(keys, held, years=runtime.settings.retention_years, today=today)
        return DueOut(service=runtime.settings.service, today=today,
                      items=[DueSubject(subject=d.subject, retained_until=d.retained_until,
                                        kinds=list(d.kinds)) for d in found])

    return router
