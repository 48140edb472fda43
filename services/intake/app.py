"""The intake service: applications, general-licence usage and shipments from customs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.intake.api import router
from services.intake.consumers import consumer_spec
from services.intake.db import metadata
from services.intake.domain import InvalidRequest
from services.intake.settings import Settings
from shared.problems import problem_response, validation_errors
from shared.reference import load_reference
from shared.service import Runtime, create_service_app

DESCRIPTION = """Customs systems post applications, general-licence realisations, shipments
under licences and classification requests here. Every accepted request is recorded as an event
before it is answered; every rejection is problem+json whose `errors` name each bad field.

Extensions to contract version 1: `POST /v1/applications/{id}/withdraw`,
`GET /v1/general-licences/realisations/{id}`, `POST|GET /v1/classification-requests`;
application documents carry `value_eur` (sum of the goods), and `criteria` and `decided_at`
once decided; shipment refusals carry `reason_code`; realisations carry `checked_on`, the day
their conditions were judged on. Business times may run up to two minutes ahead of the server's
clock (callers' clocks drift); further ahead they are refused as in the future."""


def _printable(part: object) -> object:
    # A lone surrogate in a field name would make the error response itself unencodable.
    if isinstance(part, str):
        return part.encode("utf-8", "backslashreplace").decode("utf-8")
    return part


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidRequest):
        errors = [e.as_dict() for e in exc.errors]
    else:
        assert isinstance(exc, RequestValidationError)
        errors = validation_errors(list(exc.errors()))
    errors = [{**e, "loc": [_printable(p) for p in e["loc"]], "msg": _printable(e["msg"])}
              for e in errors]
    detail = "; ".join(str(e["msg"]) for e in errors[:5])
    return problem_response(422, "Invalid request", detail, kind="validation", errors=errors)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The intake app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()

    def wire(runtime: Runtime, app: FastAPI) -> None:
        app.state.reference = load_reference()
        runtime.add_consumer(consumer_spec())

    app = create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="intake", description=DESCRIPTION, routers=[router], wire=wire,
    )
    app.add_exception_handler(InvalidRequest, _invalid)
    app.add_exception_handler(RequestValidationError, _invalid)
    return app
