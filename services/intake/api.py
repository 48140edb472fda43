"""Intake's HTTP API: routes translate requests into commands, nothing more."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Request, Response

from services.intake import handlers
from services.intake.schemas import (
    ApplicationIn,
    ClassificationIn,
    RealisationIn,
    ShipmentIn,
    WithdrawalIn,
)
from shared.auth import Principal, require
from shared.problems import Problem
from shared.reference import ReferenceData
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1")
Customs = Annotated[Principal, Depends(require("customs"))]
Reader = Annotated[Principal, Depends(require("customs", "assessor", "mfa"))]
Key = Annotated[str, Header(min_length=1, max_length=300,
                            description="the same key with the same body answers the same")]
Id = Annotated[str, Path(max_length=200)]


async def reference(request: Request) -> ReferenceData:
    """The reference data loaded at start."""
    return request.app.state.reference  # type: ignore[no-any-return]


Ref = Annotated[ReferenceData, Depends(reference)]


@router.post("/applications", status_code=201, tags=["applications"],
             summary="Submit an application",
             description="Validated against the reference data; a 422 names every bad field. "
                         "The same Idempotency-Key with the same body answers 200 with the "
                         "same resource; with another body 409; a reference already taken "
                         "under another key 409. `service_value_eur` is required for "
                         "brokering; `destination_group` only for global licences.")
async def submit_application(body: ApplicationIn, response: Response, runtime: RuntimeDep,
                             ref: Ref, who: Customs, idempotency_key: Key) -> dict[str, Any]:
    """Record an application once per Idempotency-Key."""
    document, created = await handlers.submit_application(runtime, ref, body=body,
                                                          key=idempotency_key, who=who)
    response.status_code = 201 if created else 200
    return document


@router.get("/applications/{application_id}", tags=["applications"],
            summary="An application and its status",
            description="`status` is submitted, under_assessment, approved (with "
                        "`licence_number` once issued), denied (with `criteria`) or withdrawn.")
async def get_application(application_id: Id, runtime: RuntimeDep, who: Customs
                          ) -> dict[str, Any]:
    """The application with its current status."""
    return await handlers.get_application(runtime, application_id)


@router.post("/applications/{application_id}/withdraw", tags=["applications"],
             summary="Withdraw an undecided application",
             description="Allowed while submitted or under assessment; a repeat answers 200 "
                         "as the first; 409 once decided.")
async def withdraw_application(application_id: Id, runtime: RuntimeDep, who: Customs,
                               body: Annotated[WithdrawalIn | None, Body()] = None
                               ) -> dict[str, Any]:
    """Withdraw the application."""
    return await handlers.withdraw_application(
        runtime, application_id, reason=body.reason if body else None, who=who)


@router.post("/licences/{licence_number}/shipments", status_code=201, tags=["licences"],
             summary="Record a shipment under a licence",
             description="`declaration_ref` is the idempotency key: a repeat answers 200 and "
                         "counts once (a refused one answers its 409 again). A shipment over "
                         "the value left, to a country the licence does not cover, outside "
                         "its validity, or on or after a revocation or during a suspension "
                         "answers 409 with `reason_code` (value_exceeded, country_not_covered, "
                         "outside_validity, revoked, suspended, superseded: an extension or "
                         "replacement took over, carrying the used value); the refusal is "
                         "recorded as "
                         "a ShipmentRefused event on the licence's stream.")
async def record_shipment(licence_number: Annotated[str, Path(max_length=40)], body: ShipmentIn,
                          response: Response, runtime: RuntimeDep, ref: Ref, who: Customs
                          ) -> dict[str, Any]:
    """Count a shipment against its licence."""
    outcome = await handlers.record_shipment(runtime, ref, licence_number=licence_number,
                                             body=body, who=who)
    if outcome.refusal is not None:
        raise Problem(409, "Shipment refused", outcome.refusal.reason, kind="shipment-refused",
                      reason_code=outcome.refusal.code, declaration_ref=body.declaration_ref,
                      licence_number=licence_number)
    response.status_code = 201 if outcome.created else 200
    return outcome.document


@router.get("/licences/{licence_number}", tags=["licences"],
            summary="A licence with its value used and left",
            description="Known once assessment issued it; `status` is active, suspended, "
                        "revoked or expired.")
async def get_licence(licence_number: Annotated[str, Path(max_length=40)], runtime: RuntimeDep,
                      who: Reader) -> dict[str, Any]:
    """The licence as intake keeps it."""
    return await handlers.get_licence(runtime, licence_number)


@router.post("/general-licences/{code}/realisations", status_code=201,
             tags=["general licences"], summary="Report use of a general licence",
             description="Checked against the general licence's conditions in the reference "
                         "data as they stood on the last day of `period`, or today when the "
                         "period has not ended: the use may have happened on any day of the "
                         "period, its last day is the latest condition the exporter was bound "
                         "by, and conditions of days to come are not known. A realisation "
                         "outside the conditions is stored and answered with `flagged: true` "
                         "and the `flags`, never refused. `direction` may also be `transfer` "
                         "(NL003..NL006). Idempotency-Key as for applications.")
async def report_realisation(code: Annotated[str, Path(max_length=10)], body: RealisationIn,
                             response: Response, runtime: RuntimeDep, ref: Ref, who: Customs,
                             idempotency_key: Key) -> dict[str, Any]:
    """Record a realisation, flagged when outside the conditions."""
    document, created = await handlers.report_realisation(
        runtime, ref, code=code, body=body, key=idempotency_key, who=who)
    response.status_code = 201 if created else 200
    return document


@router.get("/general-licences/realisations/{realisation_id}", tags=["general licences"],
            summary="A realisation as recorded")
async def get_realisation(realisation_id: Id, runtime: RuntimeDep, who: Reader
                          ) -> dict[str, Any]:
    """One realisation with its flags."""
    return await handlers.get_realisation(runtime, realisation_id)


@router.post("/classification-requests", status_code=201, tags=["classification"],
             summary="Ask whether a good is controlled",
             description="Answered in assessment with a rating or not controlled; read the "
                         "answer with GET. The Idempotency-Key header is optional here.")
async def request_classification(
    body: ClassificationIn, response: Response, runtime: RuntimeDep, who: Customs,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=300)] = None,
) -> dict[str, Any]:
    """Record a classification request."""
    document, created = await handlers.request_classification(
        runtime, body=body, key=idempotency_key, who=who)
    response.status_code = 201 if created else 200
    return document


@router.get("/classification-requests/{request_id}", tags=["classification"],
            summary="A classification request and its answer",
            description="`status` is pending or answered; `answer` is {rating, controlled, "
                        "note} with rating null when not controlled.")
async def get_classification_request(request_id: Id, runtime: RuntimeDep, who: Customs
                                     ) -> dict[str, Any]:
    """The request and, once given, its answer."""
    return await handlers.get_classification_request(runtime, request_id)
