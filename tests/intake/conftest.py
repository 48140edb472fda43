"""Fixtures for intake: the service on a real NATS and database, and a stand-in for assessment."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest

from shared.clock import utcnow
from shared.envelope import Actor, Envelope, new_event_id
from tests.harness import NatsServer, RunningService, auth, run_service

CUSTOMS = auth("customs", sub="customs-system")
ASSESSOR = Actor(sub="assessor-1", roles=("assessor",), state="NL")


class Assessment:
    """Writes assessment's events straight to JetStream, as the real service would publish them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.versions: dict[str, int] = defaultdict(int)
        self.published: list[Envelope] = []
        self.nc: Any = None

    async def publish(self, stream_id: str, event_type: str, payload: dict[str, Any],
                      occurred_at: dt.datetime | None = None) -> Envelope:
        """Append one assessment event to the log."""
        if self.nc is None:
            self.nc = await nats.connect(self.url)
        self.versions[stream_id] += 1
        now = utcnow()
        env = Envelope(event_id=new_event_id(), type=event_type, source="assessment",
                       stream_id=stream_id, stream_version=self.versions[stream_id],
                       occurred_at=occurred_at or now, recorded_at=now, actor=ASSESSOR,
                       correlation_id=stream_id, payload=payload).sealed()
        await self.nc.jetstream().publish(env.subject, env.to_json().encode(),
                                          headers={"Nats-Msg-Id": env.event_id})
        self.published.append(env)
        return env

    async def issue(self, app_id: str, *, destinations: list[str], value_eur: str = "1000.00",
                    valid_from: str = "2024-01-01", valid_until: str = "2099-12-31",
                    destination_group: str | None = None, regime: str = "military",
                    amends: dict[str, Any] | None = None,
                    applicant: dict[str, str] | None = None,
                    goods: list[dict[str, Any]] | None = None) -> str:
        """Decide an application approved and issue its licence; returns the licence number."""
        number = f"NL-{uuid.uuid4().hex[:10].upper()}"
        await self.publish(app_id, "CaseDecided", {
            "application_id": app_id, "reference": "r", "outcome": "approved", "criteria": [],
            "note": None, "decided_at": utcnow().isoformat(), "queue": "cdiu"})
        await self.publish(app_id, "LicenceIssued", {
            "licence_number": number, "application_id": app_id, "reference": "r",
            "regime": regime, "licence_type": "individual", "transaction": "export",
            "purpose": "definitive", "catch_all": False, "destinations": destinations,
            "destination_group": destination_group, "origins": [], "goods": goods or [],
            "value_eur": value_eur, "service_value_eur": None, "valid_from": valid_from,
            "valid_until": valid_until, "decided_at": utcnow().isoformat(), "amends": amends,
            "applicant": applicant})
        return number

    async def close(self) -> None:
        """Close the connection."""
        if self.nc is not None:
            await self.nc.close()


@pytest.fixture
async def intake(nats_server: NatsServer, db_url: str, tmp_path: Path
                 ) -> AsyncIterator[RunningService]:
    """Intake on this test's NATS and database (SQLite, and PostgreSQL when given)."""
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url,
                           db=db_url) as service:
        assert await service.runtime.bus.wait_connected(timeout=15)
        yield service


@pytest.fixture
async def intake_sqlite(nats_server: NatsServer, tmp_path: Path
                        ) -> AsyncIterator[RunningService]:
    """Intake on SQLite only, for tests of request validation that touch no store twice."""
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url,
                           db=f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}") as service:
        assert await service.runtime.bus.wait_connected(timeout=15)
        yield service


@pytest.fixture
async def assessment(nats_server: NatsServer) -> AsyncIterator[Assessment]:
    """A stand-in for the assessment service's events."""
    fake = Assessment(nats_server.url)
    yield fake
    await fake.close()


def application(**changes: Any) -> dict[str, Any]:
    """A valid military export application, with `changes` applied."""
    body: dict[str, Any] = {
        "reference": f"CDIU-{uuid.uuid4().hex[:12]}",
        "received_at": "2024-03-01T09:00:00+01:00",
        "regime": "military",
        "transaction": "export",
        "licence_type": "individual",
        "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
        "destinations": ["NO"],
        "end_user": {"name": "Norwegian Armed Forces", "country": "NO",
                     "type": "armed_forces"},
        "end_use": "air defence",
        "goods": [{"description": "radar", "rating": "ML5a", "quantity": 2,
                   "value_eur": "1500000.50"},
                  {"description": "spare parts", "rating": "ML5d", "quantity": 10,
                   "value_eur": "200"}],
    }
    body.update(changes)
    return body


def key() -> dict[str, str]:
    """Customs headers with a fresh Idempotency-Key."""
    return {**CUSTOMS, "Idempotency-Key": str(uuid.uuid4())}


async def submit(service: RunningService, **changes: Any) -> dict[str, Any]:
    """Submit a valid application and return it."""
    response = await service.client.post("/v1/applications", json=application(**changes),
                                          headers=key())
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def stream(service: RunningService, stream_id: str) -> list[Envelope]:
    """Every event intake recorded on one stream."""
    async with service.runtime.sessions() as session:
        return await service.runtime.store.read(session, stream_id)  # type: ignore[no-any-return]


async def register(service: RunningService, code: str, *, eori: str = "NL987654321",
                   name: str = "Fokker Services", on: str = "2020-01-01") -> dict[str, Any]:
    """Register an exporter for a general licence and return the registration."""
    response = await service.client.post(
        f"/v1/general-licences/{code}/registrations", headers=CUSTOMS,
        json={"exporter": {"name": name, "eori": eori}, "registered_on": on})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
