"""A denials service running in-process on a real NATS and a real database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.clock import utcnow
from shared.envelope import SYSTEM, Actor, Envelope
from tests.harness import NatsServer, RunningService, run_service


@pytest.fixture
async def denials(tmp_path: Path, nats_server: NatsServer,
                  db_url: str) -> AsyncIterator[RunningService]:
    """The denials service with a fast expiry sweep."""
    async with run_service("denials", data_dir=tmp_path, nats_url=nats_server.url, db=db_url,
                           expiry_interval_seconds=0.2) as svc:
        yield svc


def denial_body(**changes: Any) -> dict[str, Any]:
    """A partner state's denial notification."""
    body: dict[str, Any] = {
        "reference": f"DE-{uuid.uuid4().hex[:8]}", "denied_on": "2024-03-01",
        "regime": "military", "destination": "IL",
        "consignee": {"name": "Levant Logistics Ltd", "country": "CY"},
        "end_user": {"name": "TROYA TECH DEFENCE LIMITED", "country": "IL"},
        "goods_description": "thermal imaging cameras", "rating": "ML15", "quantity": 40,
        "criteria": [2, 4, 7],
    }
    body.update(changes)
    return body


def upstream(source: str, type_: str, stream_id: str, payload: dict[str, Any], *,
             actor: Actor = SYSTEM) -> Envelope:
    """An event as another service would publish it."""
    now = utcnow()
    return Envelope(event_id=str(uuid.uuid4()), type=type_, source=source, stream_id=stream_id,
                    stream_version=1, occurred_at=now, recorded_at=now, actor=actor,
                    correlation_id=stream_id, payload=payload).sealed()


async def publish(svc: RunningService, env: Envelope) -> None:
    """Publish an event on the bus the service consumes from."""
    bus = svc.runtime.bus
    await bus.wait_connected(10)
    await bus.js.publish(env.subject, env.to_json().encode(),
                         headers={"Nats-Msg-Id": env.event_id})
