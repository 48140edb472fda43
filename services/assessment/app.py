"""The assessment service: routing, screening, findings, decisions and licences."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.assessment.api import router
from services.assessment.consumers import consumer_spec
from services.assessment.db import metadata
from services.assessment.settings import Settings
from shared.service import Runtime, create_service_app

DESCRIPTION = """Assessors at the customs licensing office (CDIU) and the Ministry of Foreign
Affairs work cases here: each application becomes a case once intake's event arrives."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The assessment app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()

    def wire(runtime: Runtime, _app: FastAPI) -> None:
        runtime.add_consumer(consumer_spec(runtime))

    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="assessment", description=DESCRIPTION, routers=[router], wire=wire,
    )
