"""Denials' events as stored before their contracts named every field still read; recorded
events read through their contracts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from shared.contracts import REGISTRY, Payload
from shared.contracts import denials as contract
from shared.envelope import Envelope
from tests.denials.conftest import denial_body
from tests.denials.sanctions_sample import sample
from tests.harness import RunningService, auth

# Payloads in the shape the service recorded them before the contracts: fewer fields.
STORED: dict[type[Payload], dict[str, Any]] = {
    contract.DenialRegistered: {
        "id": "d1", "state": "NL", "reference": "NL-1", "denied_on": "2024-06-01",
        "regime": "military", "destination": "IL", "consignee": None,
        "end_user": {"name": "Troya", "country": "IL"}, "goods_description": "cameras",
        "rating": "ML15", "quantity": 3, "criteria": [7], "application_id": "a1"},
    contract.DenialRevoked: {"denial_id": "d1", "reason": "appeal"},
    contract.DenialRenewed: {"denial_id": "d1", "denied_on": "2024-07-01"},
    contract.DenialExpired: {"denial_id": "d1"},
    contract.MatchDismissed: {"denial_id": "d1", "application_ref": "NL-2", "reason": "other",
                              "state": "DE"},
    contract.ConsultationOpened: {
        "id": "c1", "denial_id": "d1", "consulting_state": "NL", "denying_state": "DE",
        "application_ref": "NL-2", "question": "?", "due_by": "2024-06-22",
        "opened_at": "2024-06-01T10:00:00+00:00"},
    contract.ConsultationReplied: {"id": "c1", "answer": "stands", "note": None},
    contract.ConsultationClosed: {"id": "c1", "decision": "granted", "reasons": "r",
                                  "application_ref": "NL-2", "consulting_state": "NL",
                                  "denying_state": "DE"},
    contract.GrantNotified: {"consultation_id": "c1", "denial_id": "d1", "denying_state": "DE",
                             "reasons": "r"},
    # Younger than the contracts, stored in their first shape.
    contract.SanctionsListLoaded: {"list_version": "2026-11-20T17:52:44.000+01:00",
                                   "generated_at": "2026-11-20T16:52:44+00:00", "entities": 22,
                                   "names": 54, "sha256": "ab" * 32},
    contract.RealisationSanctionsHit: {
        "realisation_id": "r1", "code": "NL008", "party_role": "exporter", "name": "X",
        "entity_id": "910001", "alias": "X", "score": 1.0, "reasons": ["same words"],
        "programme": None, "list_version": "2026-11-20T17:52:44.000+01:00"},
}
# PersonalDataErased is younger than the contracts: it has no older stored shape, and its own
# tests are in tests/personal.
DENIALS_EVENTS = {m for m in REGISTRY if m.event_source == "denials"} - {
    contract.PersonalDataErased}


def test_every_denials_event_has_an_older_stored_shape() -> None:
    assert set(STORED) == DENIALS_EVENTS


ORDERED = sorted(STORED, key=lambda m: str(m.event_type))


@pytest.mark.parametrize("model", ORDERED, ids=[m.event_type for m in ORDERED])
def test_an_event_stored_in_its_older_shape_still_reads(model: type[Payload]) -> None:
    read = REGISTRY.read("denials", model.event_type, 1, STORED[model])
    assert isinstance(read, model)


async def test_recorded_events_read_through_their_contracts(denials: RunningService) -> None:
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
    loaded = await c.post("/v1/sanctions/lists", content=sample(),
                          headers={**auth("admin"), "Content-Type": "application/xml"})
    assert loaded.status_code == 201, loaded.text
    table = denials.runtime.metadata.tables["events"]
    async with denials.runtime.sessions() as session:
        bodies = (await session.execute(select(table.c.body))).scalars().all()
    seen = {type(REGISTRY.parse(Envelope.parse(body)).payload) for body in bodies}
    # Realisation hits have their own test (tests/denials/test_sanctions_realisations.py).
    assert seen == DENIALS_EVENTS - {contract.DenialExpired, contract.RealisationSanctionsHit}
