"""The denials registry's HTTP API for partner states and Dutch assessors."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from services.denials.db import denials
from shared.auth import Principal, require
from shared.pagination import Page
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["denials"])
Reader = Annotated[Principal, Depends(require("partner", "assessor", "mfa"))]


@router.get("/denials", summary="The shared registry of denials")
async def list_denials(
    runtime: RuntimeDep, who: Reader,
    destination: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page:
    """Denials, newest first."""
    query = select(denials).order_by(denials.c.registered_at.desc()).limit(limit)
    if destination:
        query = query.where(denials.c.destination == destination)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    return Page(items=[json.loads(r.document) for r in rows], next_cursor=None)
