"""Intake's HTTP API: routes translate requests into commands and queries, nothing more."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from services.intake import queries
from services.intake.answers import (
    ApplicationOut,
    ClassificationOut,
    LicenceOut,
    RealisationOut,
    RegistrationOut,
    RegistrationPage,
    ShipmentOut,
    application_document,
    licence_document,
    registration_document,
    shipment_document,
)
from services.intake.deps import (
    CaseReader,
    Customs,
    IdempotencyKey,
    OptionalIdempotencyKey,
    ReferenceDep,
    RegistersDep,
    RuntimeDep,
    SanctionsDep,
)
from services.intake.handlers import (
    applications,
    classifications,
    realisations,
    registrations,
    shipments,
)
from services.intake.schemas import (
    ApplicationIn,
    ClassificationIn,
    RealisationIn,
    RegistrationEndIn,
    RegistrationIn,
    ShipmentIn,
    WithdrawalIn,
)
from shared.clock import today
from shared.contracts.intake import ShipmentRefused
from shared.errors import Conflict
from shared.personal.access import log_access, opened_subjects
from shared.problems import problem_responses

router = APIRouter(prefix="/v1")
# Identifiers are letters, digits, `_` and `-` (pydantic's patterns match the whole text: a final
# newline is refused, unlike Python's `$`).
Id = Annotated[str, Path(max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]
LicenceNumber = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
Code = Annotated[str, Path(max_length=10, pattern=r"^[A-Za-z0-9]+$")]
Eori = Annotated[str, Path(max_length=17, pattern=r"^[A-Z]{2}[A-Z0-9]{1,15}$")]
Limit = Annotated[int, Query(ge=1, le=200, description="at most this many items")]
Cursor = Annotated[str | None, Query(max_length=500, description="from a page's next_cursor")]


def _repeat(model: type[Any], what: str) -> dict[int | str, dict[str, Any]]:
    """The 200 of a request sent again: the resource as the first request made it."""
    return {200: {"model": model, "description": f"a repeat: the same {what} as the first time"}}


@router.post("/applications", status_code=201, tags=["applications"],
             summary="Submit an application", response_model=ApplicationOut,
             response_model_exclude_unset=True,
             responses={**_repeat(ApplicationOut, "application"),
                        **problem_responses(401, 403, 409, 413, 422, 503)},
             description="Validated against the reference data; a 422 names every bad field. "
                         "The same Idempotency-Key with the same body answers 200 with the "
                         "same resource; with another body 409; a reference already taken "
                         "under another key 409. `service_value_eur` is required for "
                         "brokering; `destination_group` only for global licences.")
async def submit_application(body: ApplicationIn, response: Response, runtime: RuntimeDep,
                             ref: ReferenceDep, registers: RegistersDep, who: Customs,
                             idempotency_key: IdempotencyKey) -> dict[str, Any]:
    """Record an application once per Idempotency-Key."""
    app, created = await applications.submit_application(runtime, ref, registers, body=body,
                                                         key=idempotency_key, who=who)
    response.status_code = 201 if created else 200
    return application_document(app)


@router.get("/applications/{application_id}", tags=["applications"],
            summary="An application and its status", response_model=ApplicationOut,
            response_model_exclude_unset=True,
            responses=problem_responses(401, 403, 404, 422, 503),
            description="`status` is submitted, under_assessment, approved (with "
                        "`licence_number` once issued), denied (with `criteria`) or withdrawn.")
async def get_application(application_id: Id, runtime: RuntimeDep, who: Customs
                          ) -> dict[str, Any]:
    """The application with its current status (a read of the people in it is logged)."""
    app = await queries.application(runtime, application_id)
    if app.submitted is not None:
        log_access(principal=who.sub, route=f"/v1/applications/{application_id}",
                   subjects=opened_subjects(app.submitted))
    return application_document(app)


@router.post("/applications/{application_id}/withdraw", tags=["applications"],
             summary="Withdraw an undecided application", response_model=ApplicationOut,
             response_model_exclude_unset=True,
             responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
             description="Allowed while submitted or under assessment; a repeat answers 200 "
                         "as the first; 409 once decided.")
async def withdraw_application(application_id: Id, runtime: RuntimeDep, who: Customs,
                               body: Annotated[WithdrawalIn | None, Body()] = None
                               ) -> dict[str, Any]:
    """Withdraw the application."""
    app = await applications.withdraw_application(
        runtime, application_id, reason=body.reason if body else None, who=who)
    return application_document(app)


@router.post("/licences/{licence_number}/shipments", status_code=201, tags=["licences"],
             summary="Record a shipment under a licence", response_model=ShipmentOut,
             responses={**_repeat(ShipmentOut, "shipment"),
                        **problem_responses(401, 403, 404, 409, 413, 422, 503)},
             description="`declaration_ref` is the idempotency key: a repeat answers 200 and "
                         "counts once (a refused one answers its 409 again). A shipment over "
                         "the value left, to a country the licence does not cover, outside "
                         "its validity, or on or after a revocation or during a suspension "
                         "answers 409 with `reason_code` (value_exceeded, country_not_covered, "
                         "outside_validity, revoked, suspended, superseded: an extension or "
                         "replacement took over, carrying the used value); the refusal is "
                         "recorded as "
                         "a ShipmentRefused event on the licence's stream.")
async def record_shipment(licence_number: LicenceNumber, body: ShipmentIn, response: Response,
                          runtime: RuntimeDep, ref: ReferenceDep, sanctions: SanctionsDep,
                          who: Customs) -> dict[str, Any]:
    """Count a shipment against its licence."""
    outcome = await shipments.record_shipment(runtime, ref, sanctions,
                                              licence_number=licence_number, body=body, who=who)
    if isinstance(outcome.event, ShipmentRefused):
        raise Conflict(outcome.event.reason, code="shipment-refused",
                       reason_code=outcome.event.reason_code,
                       declaration_ref=body.declaration_ref, licence_number=licence_number)
    response.status_code = 201 if outcome.created else 200
    return shipment_document(outcome.event)


@router.get("/licences/{licence_number}", tags=["licences"],
            summary="A licence with its value used and left", response_model=LicenceOut,
            responses=problem_responses(401, 403, 404, 422, 503),
            description="Known once assessment issued it; `status` is active, suspended, "
                        "revoked, superseded or expired.")
async def get_licence(licence_number: LicenceNumber, runtime: RuntimeDep, who: CaseReader
                      ) -> dict[str, Any]:
    """The licence as intake keeps it."""
    return licence_document(await queries.licence(runtime, licence_number), today=today())


@router.post("/general-licences/{code}/realisations", status_code=201,
             tags=["general licences"], summary="Report use of a general licence",
             response_model=RealisationOut,
             responses={**_repeat(RealisationOut, "realisation"),
                        **problem_responses(401, 403, 404, 409, 413, 422, 503)},
             description="Checked against the general licence's conditions in the reference "
                         "data as they stood on the last day of `period`, or today when the "
                         "period has not ended: the use may have happened on any day of the "
                         "period, its last day is the latest condition the exporter was bound "
                         "by, and conditions of days to come are not known. A realisation "
                         "outside the conditions is stored and answered with `flagged: true` "
                         "and the `flags`, never refused. `direction` may also be `transfer` "
                         "(NL003..NL006). Idempotency-Key as for applications.")
async def report_realisation(code: Code, body: RealisationIn,
                             response: Response, runtime: RuntimeDep, ref: ReferenceDep,
                             registers: RegistersDep, sanctions: SanctionsDep, who: Customs,
                             idempotency_key: IdempotencyKey) -> dict[str, Any]:
    """Record a realisation, flagged when outside the conditions."""
    document, created = await realisations.report_realisation(
        runtime, ref, registers, sanctions, code=code, body=body, key=idempotency_key,
        who=who)
    response.status_code = 201 if created else 200
    return document


@router.get("/general-licences/realisations/{realisation_id}", tags=["general licences"],
            summary="A realisation as recorded", response_model=RealisationOut,
            responses=problem_responses(401, 403, 404, 422, 503))
async def get_realisation(realisation_id: Id, runtime: RuntimeDep, who: CaseReader
                          ) -> dict[str, Any]:
    """One realisation with its flags."""
    return await queries.realisation(runtime, realisation_id)


@router.post("/general-licences/{code}/registrations", status_code=201,
             tags=["general licences"], summary="Register an exporter for a general licence",
             response_model=RegistrationOut,
             responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
             description="An exporter registers once, before its first use of a general "
                         "licence. A realisation on a day no registration of its exporter for "
                         "the licence covers is stored and flagged `not-registered`. A second "
                         "registration while one runs (not ended, or ended after the new "
                         "`registered_on`) answers 409 naming the first (`registration_id`).")
async def register_exporter(code: Code, body: RegistrationIn,
                            runtime: RuntimeDep, ref: ReferenceDep, who: Customs
                            ) -> dict[str, Any]:
    """Record a registration (event GeneralLicenceRegistered)."""
    registration = await registrations.register_exporter(runtime, ref, code=code, body=body,
                                                         who=who)
    return registration_document(registration)


@router.post("/general-licences/registrations/{registration_id}/end",
             tags=["general licences"], summary="End a registration",
             response_model=RegistrationOut,
             responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
             description="Uses from `ended_on` on are not registered. The same end sent again "
                         "answers 200 as the first; another end of an ended registration 409.")
async def end_registration(registration_id: Id, body: RegistrationEndIn, runtime: RuntimeDep,
                           who: Customs) -> dict[str, Any]:
    """Record the end (event GeneralLicenceRegistrationEnded)."""
    registration = await registrations.end_registration(runtime, registration_id, body=body,
                                                        who=who)
    return registration_document(registration)


@router.get("/general-licences/registrations/{registration_id}", tags=["general licences"],
            summary="A registration", response_model=RegistrationOut,
            responses=problem_responses(401, 403, 404, 422, 503))
async def get_registration(registration_id: Id, runtime: RuntimeDep, who: CaseReader
                           ) -> dict[str, Any]:
    """One registration."""
    return registration_document(await queries.registration(runtime, registration_id))


@router.get("/general-licences/{code}/registrations", tags=["general licences"],
            summary="The registrations for a general licence", response_model=RegistrationPage,
            responses=problem_responses(400, 401, 403, 404, 422, 503),
            description="Oldest first; `next_cursor` fetches the next page.")
async def list_licence_registrations(code: Code,
                                     runtime: RuntimeDep, ref: ReferenceDep, who: CaseReader,
                                     limit: Limit = 50, cursor: Cursor = None
                                     ) -> dict[str, Any]:
    """A page of one general licence's registrations."""
    found, after = await queries.licence_registrations(runtime, ref, code, limit=limit,
                                                       cursor=cursor)
    return {"items": [registration_document(r) for r in found], "next_cursor": after}


@router.get("/exporters/{eori}/registrations", tags=["general licences"],
            summary="An exporter's registrations", response_model=RegistrationPage,
            responses=problem_responses(400, 401, 403, 422, 503),
            description="Oldest first, every general licence; `next_cursor` fetches the next "
                        "page.")
async def list_exporter_registrations(eori: Eori,
                                      runtime: RuntimeDep, who: CaseReader, limit: Limit = 50,
                                      cursor: Cursor = None) -> dict[str, Any]:
    """A page of one exporter's registrations."""
    found, after = await queries.exporter_registrations(runtime, eori, limit=limit,
                                                        cursor=cursor)
    return {"items": [registration_document(r) for r in found], "next_cursor": after}


@router.post("/classification-requests", status_code=201, tags=["classification"],
             summary="Ask whether a good is controlled", response_model=ClassificationOut,
             responses={**_repeat(ClassificationOut, "request"),
                        **problem_responses(401, 403, 409, 413, 422, 503)},
             description="Answered in assessment with a rating or not controlled; read the "
                         "answer with GET. The Idempotency-Key header is optional here.")
async def request_classification(body: ClassificationIn, response: Response,
                                 runtime: RuntimeDep, who: Customs,
                                 idempotency_key: OptionalIdempotencyKey = None,
                                 ) -> dict[str, Any]:
    """Record a classification request."""
    document, created = await classifications.request_classification(
        runtime, body=body, key=idempotency_key, who=who)
    response.status_code = 201 if created else 200
    return document


@router.get("/classification-requests/{request_id}", tags=["classification"],
            summary="A classification request and its answer", response_model=ClassificationOut,
            responses=problem_responses(401, 403, 404, 422, 503),
            description="`status` is pending or answered; `answer` is {rating, controlled, "
                        "note} with rating null when not controlled.")
async def get_classification_request(request_id: Id, runtime: RuntimeDep, who: Customs
                                     ) -> dict[str, Any]:
    """The request and, once given, its answer."""
    return await queries.classification_request(runtime, request_id)
