"""The intake service: applications, general-licence usage and shipments from customs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake.api import router
from services.intake.db import metadata
from services.intake.settings import Settings
from shared.service import create_service_app

DESCRIPTION = """Customs systems post applications, general-licence realisations and
shipments here. Every accepted request is recorded as an event before it is answered."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The intake app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()
    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="intake", description=DESCRIPTION, routers=[router],
    )
