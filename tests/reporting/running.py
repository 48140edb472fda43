"""Helpers of the tests that run reporting for real: publishing to the log, waiting for it."""

from __future__ import annotations

import asyncio
from typing import Any

import nats

from shared.bus import ensure_stream
from shared.envelope import Envelope
from tests.harness import RunningService, auth, eventually

ADMIN = auth("admin")
REPORTER = auth("reporter")


async def publish(url: str, envelopes: list[Envelope]) -> None:
    """Put sealed envelopes on the log as the outbox relays do."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, "LICENSING")
        for i in range(0, len(envelopes), 200):
            await asyncio.gather(*(
                js.publish(e.subject, e.to_json().encode(), headers={"Nats-Msg-Id": e.event_id})
                for e in envelopes[i:i + 200]))
    finally:
        await nc.close()


async def publish_raw(url: str, messages: list[tuple[str, bytes]]) -> list[int]:
    """Put messages on the log as they are (subject, body), each under a message id of its own;
    returns their stream sequence numbers."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, "LICENSING")
        return [(await js.publish(subject, body)).seq for subject, body in messages]
    finally:
        await nc.close()


async def caught_up(svc: RunningService, count: int) -> dict[str, Any]:
    """The status once the live consumer has taken the first `count` messages of the log."""
    async def check() -> Any:
        status = (await svc.client.get("/v1/projections/status", headers=ADMIN)).json()
        return status if (status["lag"] == 0 and status["position"] == count
                          and status["status"] == "idle") else None
    return await eventually(check, timeout=60)  # type: ignore[no-any-return]


async def rebuilt(svc: RunningService, generation: int) -> dict[str, Any]:
    """Ask for a rebuild and wait until `generation` serves; returns the status then."""
    r = await svc.client.post("/v1/projections/rebuild", headers=ADMIN)
    assert r.status_code == 202, r.text

    async def check() -> Any:
        status = (await svc.client.get("/v1/projections/status", headers=ADMIN)).json()
        return status if (status["status"] == "idle"
                          and status["generation"] == generation) else None
    return await eventually(check, timeout=60)  # type: ignore[no-any-return]


async def reports(svc: RunningService, years: tuple[int, ...] = (2022, 2023, 2024)
                  ) -> dict[int, bytes]:
    """The annual reports of some years, as the bytes served."""
    return {y: (await svc.client.get(f"/v1/reports/annual/{y}", headers=REPORTER)).content
            for y in years}
