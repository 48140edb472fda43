"""The personal-data endpoints of a service (in-process intake on a real NATS and SQLite): a
subject past its retention period is listed as due, erased on ground `retention-ended`, and
then neither listed nor readable; the erasure is an event of the subject's own stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.contracts import REGISTRY
from shared.contracts.intake import PersonalDataErased
from tests.harness import NatsServer, RunningService, auth, run_service

JAN = "Jan de Vries"
ADMIN = auth("admin")


@pytest.fixture
async def intake(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[RunningService]:
    """Intake whose records are kept for no time at all (every record is past its period)."""
    async with run_service("intake", data_dir=tmp_path, nats_url=nats_server.url,
                           db=f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}",
                           retention_years={"application": -1, "licence": -1,
                                            "denial": -1}) as service:
        assert await service.runtime.bus.wait_connected(timeout=15)
        yield service


async def test_a_subject_past_its_period_is_due_and_erased_on_retention_ended(
        intake: RunningService) -> None:
    body = {"reference": "NL-CUST-P-1", "regime": "military", "transaction": "export",
            "licence_type": "individual",
            "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
            "destinations": ["NO"], "end_user": {"name": JAN, "country": "NO",
                                                  "type": "private"},
            "end_use": "sport shooting",
            "goods": [{"description": "target rifle", "rating": "ML1a", "quantity": 1,
                       "value_eur": "4200.00"}]}
    r = await intake.client.post("/v1/applications", json=body,
                                 headers={**auth("customs"), "Idempotency-Key": "p-1"})
    assert r.status_code == 201, r.text
    app_id, subject = r.json()["id"], r.json()["end_user"]["subject"]
    assert r.json()["end_user"]["name"] == JAN

    due = await intake.client.get("/v1/personal-data/due", headers=ADMIN)
    assert due.status_code == 200, due.text
    assert [(d["subject"], d["kinds"]) for d in due.json()["items"]] == [
        (subject, ["application"])]

    r = await intake.client.post("/v1/personal-data/erasures", headers=ADMIN,
                                 json={"subject": subject, "ground": "retention-ended"})
    assert r.status_code == 200, r.text
    assert r.json()["keys_deleted"] == 1 and r.json()["event_id"]

    assert (await intake.client.get("/v1/personal-data/due", headers=ADMIN)).json()[
        "items"] == []
    shown = (await intake.client.get(f"/v1/applications/{app_id}",
                                     headers=auth("customs"))).json()
    assert shown["end_user"]["name"] == {"$erased": 1, "subject": subject}
    assert JAN not in str(shown)

    runtime = intake.runtime
    async with runtime.sessions() as session:
        [erased] = await runtime.store.read(session, subject)
    payload = REGISTRY.parse(erased).payload
    assert isinstance(payload, PersonalDataErased)
    assert payload.model_dump(mode="json").keys() == {"subject", "ground", "erased_on"}
    assert (payload.subject, payload.ground) == (subject, "retention-ended")
