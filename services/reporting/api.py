"""Reporting's HTTP API: the annual report and each licence's lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

import nats
from fastapi import APIRouter, Depends

from shared.auth import Principal, require
from shared.eventlog import read_stream
from shared.eventstore import STREAM_ID
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["streams"])
Reader = Annotated[Principal, Depends(require("reporter", "admin", "assessor", "mfa"))]


@router.get("/streams/{application_id}", summary="One licence's whole lifecycle")
async def get_stream(application_id: str, runtime: RuntimeDep, who: Reader) -> dict[str, Any]:
    """Every event of every service about one application, in log order, from JetStream."""
    if not STREAM_ID.match(application_id):
        raise Problem(422, "Invalid stream id",
                      "a stream id has letters, digits, '-' and '_' only",
                      errors=[{"loc": ["path", "application_id"], "msg": "invalid stream id"}])
    if not runtime.bus.connected or runtime.bus.js is None:
        raise Problem(503, "Event log unavailable", "NATS is not reachable right now",
                      headers={"Retry-After": "2"})
    try:
        events = await read_stream(runtime.bus.js, runtime.bus.stream, application_id)
    except (nats.errors.Error, TimeoutError) as exc:
        raise Problem(503, "Event log unavailable", f"reading the log failed: {exc}",
                      headers={"Retry-After": "2"}) from exc
    if not events:
        raise Problem(404, "Not found", f"no events for stream {application_id}")
    return {"stream_id": application_id, "events": [e.model_dump(mode="json") for e in events]}
