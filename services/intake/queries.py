"""Reads for intake's API: applications, licences, realisations, classification requests and
registrations for general licences."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, select

from services.intake.db import registrations as registrations_table
from services.intake.domain.application import Application
from services.intake.domain.general_licences import general_licence
from services.intake.domain.licences import Licence
from services.intake.domain.registrations import Registration
from services.intake.handlers import db
from shared.errors import NotFound
from shared.pagination import Keyset, keyset_page
from shared.reference import ReferenceData
from shared.service import Runtime

# Registrations are listed oldest first by the day they start.
_BY_START = Keyset(registrations_table.c.registered_on, registrations_table.c.id,
                   dump=dt.date.isoformat, load=dt.date.fromisoformat)


async def application(runtime: Runtime, app_id: str) -> Application:
    """One application with where its case stands."""
    async with runtime.sessions() as session:
        loaded = await db.load_application(session, app_id, vault=runtime.vault)
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


async def registration(runtime: Runtime, registration_id: str) -> Registration:
    """One registration for a general licence."""
    async with runtime.sessions() as session:
        row = (await session.execute(select(registrations_table).where(
            registrations_table.c.id == registration_id))).first()
    if row is None:
        raise NotFound(f"no registration {registration_id}")
    return db.registration_of(row)


async def licence_registrations(runtime: Runtime, ref: ReferenceData, code: str, *, limit: int,
                                cursor: str | None) -> tuple[list[Registration], str | None]:
    """A page of the registrations for one general licence (NotFound for an unknown code)."""
    general_licence(ref, code)
    return await _registrations(runtime, registrations_table.c.code == code, limit=limit,
                                cursor=cursor)


async def exporter_registrations(runtime: Runtime, eori: str, *, limit: int, cursor: str | None
                                 ) -> tuple[list[Registration], str | None]:
    """A page of one exporter's registrations, for every general licence."""
    return await _registrations(runtime, registrations_table.c.exporter_eori == eori,
                                limit=limit, cursor=cursor)


async def _registrations(runtime: Runtime, where: ColumnElement[bool], *, limit: int,
                         cursor: str | None) -> tuple[list[Registration], str | None]:
    async with runtime.sessions() as session:
        rows, after = await keyset_page(session, select(registrations_table).where(where),
                                        _BY_START, limit=limit, cursor=cursor)
    return [db.registration_of(row) for row in rows], after
