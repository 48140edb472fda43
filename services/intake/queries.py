"""Reads for intake's API: applications, licences, realisations and classification requests."""

from __future__ import annotations

from typing import Any

from services.intake.domain.application import Application
from services.intake.domain.licences import Licence
from services.intake.handlers import db
from shared.errors import NotFound
from shared.service import Runtime


async def application(runtime: Runtime, app_id: str) -> Application:
    """One application with where its case stands."""
    async with runtime.sessions() as session:
        loaded = await db.load_application(session, app_id)
    if loaded is None:
        raise NotFound(f"no application {app_id}")
    return loaded.state


async def licence(runtime: Runtime, number: str) -> Licence:
    """A licence as intake keeps it."""
    async with runtime.sessions() as session:
        loaded = await db.load_licence(session, number)
    if loaded is None:
        raise NotFound(f"no licence {number} is known to intake", code="unknown-licence")
    return loaded.state


async def realisation(runtime: Runtime, rid: str) -> dict[str, Any]:
    """One realisation as recorded, with its flags."""
    async with runtime.sessions() as session:
        document = await db.realisation(session, rid)
    if document is None:
        raise NotFound(f"no realisation {rid}")
    return document


async def classification_request(runtime: Runtime, rid: str) -> dict[str, Any]:
    """A classification request with its answer once given."""
    async with runtime.sessions() as session:
        document = await db.classification(session, rid)
    if document is None:
        raise NotFound(f"no classification request {rid}")
    return document
