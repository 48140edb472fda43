"""Audit: every command records who did it (the token's subject, roles and state) on its
events, and `GET /v1/streams/{id}` shows the actor of every step of a licence's life."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.assessment.conftest import beside
from tests.denials.conftest import denial_body
from tests.harness import (
    NatsServer,
    RunningService,
    auth,
    eventually,
    run_service,
    walkthrough_application,
)

CUSTOMS = auth("customs", sub="customs-officer-7")
ASSESSOR = auth("assessor", sub="assessor-3")
MFA = auth("mfa", sub="mfa-desk-2")
REPORTER = auth("reporter", sub="statistician")
APPLICATION = walkthrough_application("NL-AUDIT-2024-0001")


@pytest.fixture
async def system(nats_server: NatsServer, tmp_path: Path
                 ) -> AsyncIterator[dict[str, RunningService]]:
    """The four services in-process on one nats-server."""
    async with AsyncExitStack() as stack:
        out: dict[str, RunningService] = {}
        for name in ("intake", "denials", "reporting", "assessment"):
            (tmp_path / name).mkdir()
            if name == "assessment":  # screening reaches the denials service in-process
                out[name] = await stack.enter_async_context(
                    beside(out["denials"], tmp_path, nats_server.url, None))
            else:
                out[name] = await stack.enter_async_context(
                    run_service(name, data_dir=tmp_path / name, nats_url=nats_server.url))
        yield out


def _actor(event: dict[str, Any]) -> tuple[str, tuple[str, ...], str | None]:
    actor = event["actor"]
    return actor["sub"], tuple(actor["roles"]), actor.get("state")


async def test_the_lifecycle_shows_who_did_every_step(system: dict[str, RunningService]
                                                      ) -> None:
    intake, assessment = system["intake"].client, system["assessment"].client
    reporting = system["reporting"].client
    created = await intake.post("/v1/applications", json=APPLICATION,
                                headers={**CUSTOMS, "Idempotency-Key": "audit-1"})
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]

    async def screened() -> bool:
        r = await assessment.get(f"/v1/cases/{app_id}", headers=ASSESSOR)
        return r.status_code == 200 and r.json()["screening"]["status"] == "completed"

    await eventually(screened, timeout=30)
    finding = await assessment.post(f"/v1/cases/{app_id}/findings", headers=ASSESSOR,
                                    json={"criterion": 7, "finding": "pass",
                                          "note": "no risk of diversion"})
    assert finding.status_code == 200, finding.text
    referred = await assessment.post(f"/v1/cases/{app_id}/referral", headers=ASSESSOR,
                                     json={"reason": "a sensitive destination"})
    assert referred.status_code == 200, referred.text
    decided = await assessment.post(f"/v1/cases/{app_id}/decision", headers=MFA, json={
        "outcome": "approve", "decided_at": "2024-03-05T10:00:00+00:00"})
    assert decided.status_code == 200, decided.text

    async def lifecycle() -> list[dict[str, Any]] | None:
        r = await reporting.get(f"/v1/streams/{app_id}", headers=REPORTER)
        events = r.json()["events"] if r.status_code == 200 else []
        return events if any(e["type"] == "LicenceIssued" for e in events) else None

    events = await eventually(lifecycle, timeout=30)
    by_type = {e["type"]: _actor(e) for e in events}
    # Each command's events name the caller, as its token said.
    assert by_type["ApplicationSubmitted"] == ("customs-officer-7", ("customs",), None)
    assert by_type["FindingRecorded"] == ("assessor-3", ("assessor",), "NL")
    assert by_type["CaseReferred"] == ("assessor-3", ("assessor",), "NL")
    assert by_type["CaseDecided"] == ("mfa-desk-2", ("mfa",), "NL")
    assert by_type["LicenceIssued"] == ("mfa-desk-2", ("mfa",), "NL")
    # Every step shows an actor: a person's token, or the system reacting to an event that
    # names its cause.
    known = {e["event_id"]: e for e in events}
    for event in events:
        sub, roles, _state = _actor(event)
        assert sub and roles, event
        if sub == "system":
            assert event["causation_id"], f"{event['type']} by the system names no cause"
    assert len(known) == len(events), "an event is listed twice"


async def test_commands_of_partners_and_customs_record_their_callers(
        system: dict[str, RunningService]) -> None:
    de = auth("partner", state="DE", sub="bafa-officer")
    denials = system["denials"]
    denial = await denials.client.post("/v1/denials", json=denial_body(), headers=de)
    assert denial.status_code == 201, denial.text
    denial_id = denial.json()["id"]
    revoked = await denials.client.post(f"/v1/denials/{denial_id}/revoke", headers=de,
                                        json={"reason": "the end user was dissolved"})
    assert revoked.status_code == 200, revoked.text
    intake = system["intake"]
    classification = await intake.client.post(
        "/v1/classification-requests", headers=CUSTOMS,
        json={"description": "thermal camera core", "technical_data": "640x512, 12 um",
              "applicant": {
            "name": "Thales Nederland B.V.", "eori": "NL123456789"}})
    assert classification.status_code == 201, classification.text
    async with denials.runtime.sessions() as session:
        denial_events = await denials.runtime.store.read(session, denial_id)
    async with intake.runtime.sessions() as session:
        asked = await intake.runtime.store.read(session, classification.json()["id"])
    assert [(e.type, e.actor.sub, e.actor.roles, e.actor.state) for e in denial_events] == [
        ("DenialRegistered", "bafa-officer", ("partner",), "DE"),
        ("DenialRevoked", "bafa-officer", ("partner",), "DE")]
    assert [(e.actor.sub, e.actor.roles) for e in asked] == [
        ("customs-officer-7", ("customs",))]
