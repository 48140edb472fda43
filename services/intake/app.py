"""The intake service: applications, general-licence usage and shipments from customs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake.api import router
from services.intake.consumers import consumer_spec
from services.intake.db import metadata
from services.intake.settings import Settings
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


def create_app(settings: Settings | None = None) -> FastAPI:
    """The intake app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()

    def wire(runtime: Runtime, app: FastAPI) -> None:
        app.state.reference = load_reference()
        runtime.add_consumer(consumer_spec())

    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="intake", description=DESCRIPTION, routers=[router], wire=wire,
    )
