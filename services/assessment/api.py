"""Assessment's HTTP API for assessors at CDIU and the MFA."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from services.assessment.db import cases
from shared.auth import Principal, require
from shared.pagination import Page, decode_cursor, encode_cursor
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["cases"])
Assessor = Annotated[Principal, Depends(require("assessor", "mfa"))]


def _case(row: Any) -> dict[str, Any]:
    return {"id": row.id, "application_id": row.application_id, "reference": row.reference,
            "queue": row.queue, "status": row.status, "version": row.version,
            **json.loads(row.document)}


@router.get("/cases", summary="Cases in a queue")
async def list_cases(
    runtime: RuntimeDep, who: Assessor,
    queue: Literal["cdiu", "mfa"] | None = None,
    status: Literal["open", "decided"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page:
    """Cases oldest first, filtered by queue and status."""
    query = select(cases).order_by(cases.c.opened_at, cases.c.id).limit(limit + 1)
    if queue:
        query = query.where(cases.c.queue == queue)
    if status:
        query = query.where(cases.c.status == status)
    if cursor:
        after = decode_cursor(cursor)
        try:
            t = datetime.fromisoformat(str(after["t"]))
            after_id = str(after["id"])
        except (KeyError, ValueError) as exc:
            raise Problem(400, "Invalid cursor", "the cursor is not one this service issued",
                          kind="invalid-cursor") from exc
        query = query.where((cases.c.opened_at > t)
                            | ((cases.c.opened_at == t) & (cases.c.id > after_id)))
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    items = [_case(r) for r in rows[:limit]]
    next_cursor = (encode_cursor({"t": rows[limit - 1].opened_at.isoformat(),
                                  "id": rows[limit - 1].id}) if len(rows) > limit else None)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/cases/{case_id}", summary="One case")
async def get_case(case_id: str, runtime: RuntimeDep, who: Assessor) -> dict[str, Any]:
    """The case with its screening, findings and status."""
    async with runtime.sessions() as session:
        row = (await session.execute(select(cases).where(cases.c.id == case_id))).first()
    if row is None:
        raise Problem(404, "Not found", f"no case {case_id}")
    return _case(row)
