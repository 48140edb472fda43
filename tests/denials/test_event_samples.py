"""Each denials event type has a sample that parses; recorded events keep the catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.denials import events
from shared.envelope import Envelope
from tests.denials.conftest import denial_body
from tests.harness import RunningService, auth

SAMPLES: dict[str, dict[str, Any]] = {
    events.DENIAL_REGISTERED: {
        "id": "d1", "state": "NL", "reference": "NL-1", "denied_on": "2024-06-01",
        "regime": "military", "destination": "IL", "consignee": None,
        "end_user": {"name": "Troya", "country": "IL"}, "goods_description": "cameras",
        "rating": "ML15", "quantity": 3, "criteria": [7], "application_id": "a1"},
    events.DENIAL_REVOKED: {"denial_id": "d1", "reason": "appeal"},
    events.DENIAL_RENEWED: {"denial_id": "d1", "denied_on": "2024-07-01"},
    events.DENIAL_EXPIRED: {"denial_id": "d1"},
    events.MATCH_DISMISSED: {"denial_id": "d1", "application_ref": "NL-2", "reason": "other"},
    events.CONSULTATION_OPENED: {
        "id": "c1", "denial_id": "d1", "consulting_state": "NL", "denying_state": "DE",
        "application_ref": "NL-2", "question": "?", "due_by": "2024-06-22",
        "opened_at": "2024-06-01T10:00:00+00:00"},
    events.CONSULTATION_REPLIED: {"id": "c1", "answer": "stands", "note": None},
    events.CONSULTATION_CLOSED: {"id": "c1", "decision": "granted", "reasons": "r",
                                 "application_ref": "NL-2", "consulting_state": "NL",
                                 "denying_state": "DE"},
    events.GRANT_NOTIFIED: {"consultation_id": "c1", "denial_id": "d1", "denying_state": "DE",
                            "reasons": "r"},
}


@pytest.mark.parametrize("type_", sorted(events.REQUIRED_FIELDS))
def test_sample_event_parses_and_carries_its_fields(type_: str) -> None:
    raw = Envelope(event_id="e1", type=type_, source="denials", stream_id="s1",
                   stream_version=1, occurred_at="2024-06-01T10:00:00+00:00",  # type: ignore[arg-type]
                   recorded_at="2024-06-01T10:00:00+00:00",  # type: ignore[arg-type]
                   actor={"sub": "t"}, correlation_id="s1",  # type: ignore[arg-type]
                   payload=SAMPLES[type_]).sealed().to_json()
    env = Envelope.parse(raw)
    assert events.REQUIRED_FIELDS[type_] <= set(env.payload)


async def test_recorded_events_carry_the_catalogue_fields(denials: RunningService) -> None:
    c, de, nl = denials.client, auth("partner", state="DE"), auth("assessor")
    d = (await c.post("/v1/denials", json=denial_body(), headers=de)).json()
    cid = (await c.post("/v1/consultations", headers=nl, json={
        "denial_id": d["id"], "application_ref": "NL-9", "question": "?"})).json()["id"]
    await c.post(f"/v1/consultations/{cid}/reply", json={"answer": "a"}, headers=de)
    await c.post(f"/v1/consultations/{cid}/outcome", json={"decision": "granted",
                                                           "reasons": "r"}, headers=nl)
    await c.post("/v1/denials/matches/dismissals", headers=nl, json={
        "application_ref": "NL-9", "denial_id": d["id"], "reason": "other"})
    await c.post(f"/v1/denials/{d['id']}/renew", json={"denied_on": "2024-04-01"}, headers=de)
    await c.post(f"/v1/denials/{d['id']}/revoke", json={"reason": "r"}, headers=de)
    table = denials.runtime.metadata.tables["events"]
    async with denials.runtime.sessions() as session:
        bodies = (await session.execute(select(table.c.body))).scalars().all()
    seen = set()
    for body in bodies:
        env = Envelope.parse(body)
        assert events.REQUIRED_FIELDS[env.type] <= set(env.payload), env.type
        seen.add(env.type)
    assert seen == set(events.REQUIRED_FIELDS) - {events.DENIAL_EXPIRED}
