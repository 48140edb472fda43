"""The denials service: the registry of refused exports shared between states."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.denials.api import router
from services.denials.db import metadata
from services.denials.settings import Settings
from shared.service import create_service_app

DESCRIPTION = """Partner states register, read and revoke denials here, look for denials of
essentially identical transactions, and consult each other before granting one."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The denials app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()
    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="denials", description=DESCRIPTION, routers=[router],
    )
