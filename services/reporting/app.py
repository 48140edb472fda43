"""The reporting service: the annual report, rebuilt from the event log."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.reporting.api import router
from services.reporting.consumers import consumer_spec
from services.reporting.db import metadata
from services.reporting.settings import Settings
from shared.service import Runtime, create_service_app

DESCRIPTION = """The report team and parliament read the annual report here; it is built by
replaying every service's events into projections."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The reporting app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()

    def wire(runtime: Runtime, _app: FastAPI) -> None:
        runtime.add_consumer(consumer_spec())

    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="reporting", description=DESCRIPTION, routers=[router], wire=wire,
    )
