"""Assessment in-process on a real NATS and database, screening against a fake denials app."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.assessment.app import create_app
from services.assessment.settings import Settings
from shared.clock import utcnow
from shared.envelope import SYSTEM, Envelope
from tests.harness import TEST_SECRET, NatsServer, RunningService, auth, run_service

ASSESSOR = auth("assessor", sub="assessor-1")
MFA = auth("mfa", sub="mfa-1")


class FakeDenials:
    """A stand-in for the denials match API: matches on destination and end-user name."""

    def __init__(self) -> None:
        self.up = True
        # (status, problem+json body) to answer every query with instead of matches
        self.refusal: tuple[int, dict[str, Any]] | None = None
        self.denials: list[dict[str, Any]] = []
        self.queries: list[dict[str, Any]] = []
        # Sanctions: listed names (lower case) and their entity ids, and the queries seen.
        self.listed: dict[str, str] = {}
        self.sanctions_queries: list[dict[str, Any]] = []
        self.app = FastAPI()

        @self.app.post("/v1/denials/matches")
        async def matches(request: Request) -> Any:
            query = await request.json()
            self.queries.append(query)
            assert request.headers["authorization"].startswith("Bearer ")
            if self.refusal is not None:
                status, problem = self.refusal
                return JSONResponse(problem, status_code=status,
                                    media_type="application/problem+json")
            found = [{"denial_id": d["id"], "state": d["state"], "score": 0.97,
                      "reasons": ["same destination", "same end user"]}
                     for d in self.denials if d["destination"] == query["destination"]
                     and d["end_user"].lower() == query["end_user"]["name"].lower()]
            return {"matches": found, "registry_version": "fake-1"}

        @self.app.post("/v1/sanctions/matches")
        async def sanctioned(request: Request) -> Any:
            query = await request.json()
            self.sanctions_queries.append(query)
            if self.refusal is not None:
                status, problem = self.refusal
                return JSONResponse(problem, status_code=status,
                                    media_type="application/problem+json")
            found = [{"entity_id": entity_id, "name_matched": n["name"], "alias": n["name"],
                      "score": 1.0, "reasons": ["same words"], "programme": "RUS",
                      "subject_type": "enterprise"}
                     for n in query["names"]
                     if (entity_id := self.listed.get(n["name"].lower()))]
            return {"matches": found, "list_version": "fake-list-1", "matcher_version": "fake",
                    "on": query.get("on"), "candidates": len(found)}

    def transport(self) -> httpx.AsyncBaseTransport:
        """A transport that fails to connect while the fake is down."""
        return _Switchable(self)


class _Switchable(httpx.AsyncBaseTransport):
    def __init__(self, fake: FakeDenials) -> None:
        self.fake = fake
        self.inner = httpx.ASGITransport(app=fake.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.fake.up:
            raise httpx.ConnectError("denials is down", request=request)
        return await self.inner.handle_async_request(request)


@asynccontextmanager
async def running_assessment(tmp_path: Path, nats_url: str, db: str | None,
                             transport: httpx.AsyncBaseTransport | None,
                             **overrides: Any) -> AsyncIterator[RunningService]:
    """Start assessment in-process with its lifespan; screening goes through `transport`."""
    settings = Settings(data_dir=tmp_path, nats_url=nats_url, db=db, jwt_secret=TEST_SECRET,
                        screening_retry_initial_seconds=0.05, screening_retry_max_seconds=0.2,
                        screening_poll_seconds=0.2, **overrides)
    app = create_app(settings, denials_transport=transport)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                  base_url="http://assessment") as client):
        yield RunningService(app=app, client=client)


def beside(denials: RunningService, tmp_path: Path, nats_url: str, db: str | None,
           **overrides: Any) -> AbstractAsyncContextManager[RunningService]:
    """Assessment in `tmp_path/assessment`, screening against the real denials service."""
    (tmp_path / "assessment").mkdir(exist_ok=True)
    return running_assessment(tmp_path / "assessment", nats_url, db,
                              httpx.ASGITransport(app=denials.app), **overrides)


@pytest.fixture
def fake_denials() -> FakeDenials:
    """A fake denials registry, up."""
    return FakeDenials()


@pytest.fixture
async def assessment(tmp_path: Path, nats_server: NatsServer, db_url: str,
                     fake_denials: FakeDenials) -> AsyncIterator[RunningService]:
    """The assessment service screening against the fake denials registry."""
    async with running_assessment(tmp_path, nats_server.url, db_url,
                                  fake_denials.transport()) as svc:
        yield svc


@pytest.fixture
async def denials(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[RunningService]:
    """The real denials service on its own SQLite database."""
    (tmp_path / "denials").mkdir()
    async with run_service("denials", data_dir=tmp_path / "denials",
                           nats_url=nats_server.url) as svc:
        yield svc


def application(**changes: Any) -> dict[str, Any]:
    """An ApplicationSubmitted payload as intake records it."""
    app_id = str(uuid.uuid4())
    body: dict[str, Any] = {
        "id": app_id, "reference": f"NL-{app_id[:8]}", "received_at": "2024-05-02T09:00:00+00:00",
        "regime": "military", "procedure": "licence", "transaction": "export",
        "licence_type": "individual", "purpose": "definitive", "amends": None,
        "catch_all": False, "applicant": {"name": "Thales Nederland", "eori": "NL123"},
        "destinations": ["SA"], "destination_group": None, "origins": [], "consignee": None,
        "end_user": {"name": "Royal Saudi Land Forces", "country": "SA", "type": "armed_forces"},
        "end_use": "border surveillance",
        "goods": [{"description": "radar system", "rating": "ML5", "quantity": 1,
                   "value_eur": "1500000.00", "complete_system": False, "annex": None}],
        "service_value_eur": None, "value_eur": "1500000.00",
    }
    body.update(changes)
    if "goods" in changes and "value_eur" not in changes:
        total = sum(Decimal(g["value_eur"]) for g in body["goods"])
        body["value_eur"] = f"{total.quantize(Decimal('0.01')):f}"  # as intake writes money
    return body


def upstream(source: str, type_: str, stream_id: str, payload: dict[str, Any]) -> Envelope:
    """An event as another service would publish it."""
    now = utcnow()
    return Envelope(event_id=str(uuid.uuid4()), type=type_, source=source, stream_id=stream_id,
                    stream_version=1, occurred_at=now, recorded_at=now, actor=SYSTEM,
                    correlation_id=stream_id, payload=payload).sealed()


async def publish(svc: RunningService, env: Envelope) -> None:
    """Publish an event on the bus the service consumes from."""
    bus = svc.runtime.bus
    await bus.wait_connected(10)
    await bus.js.publish(env.subject, env.to_json().encode(),
                         headers={"Nats-Msg-Id": env.event_id})


async def submit(svc: RunningService, app: dict[str, Any]) -> None:
    """Publish intake's ApplicationSubmitted for `app`."""
    await publish(svc, upstream("intake", "ApplicationSubmitted", app["id"], app))
