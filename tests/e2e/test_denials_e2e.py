"""Denials end to end over HTTP against `licensing up`: registry, screening, consultation."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e


def test_a_partner_denial_is_matched_consulted_on_and_the_grant_notified(system: System) -> None:
    with system.client("denials", "partner", state="DE") as de:
        r = de.post("/v1/denials", json={
            "reference": "DE-2024-117", "denied_on": "2024-03-01", "regime": "military",
            "destination": "IL", "consignee": {"name": "Levant Logistics", "country": "CY"},
            "end_user": {"name": "TROYA TECH DEFENCE LIMITED", "country": "IL"},
            "goods_description": "thermal imaging cameras", "rating": "ML15", "quantity": 40,
            "criteria": [2, 7]})
        assert r.status_code == 201, r.text
        denial_id = r.json()["id"]

    with system.client("denials", "assessor") as nl:
        r = nl.post("/v1/denials/matches", json={
            "destination": "IL", "end_user": {"name": "Troya Tech Defense Ltd.", "country": "IL"},
            "rating": "ML15b", "application_ref": "NL-E2E-1"})
        assert r.status_code == 200, r.text
        [match] = r.json()["matches"]
        assert match["denial_id"] == denial_id and match["state"] == "DE"
        assert match["reasons"][0] == "same destination IL"
        assert r.json()["registry_version"] >= 1
        r = nl.post("/v1/consultations", json={"denial_id": denial_id,
                                               "application_ref": "NL-E2E-1",
                                               "question": "Does your denial still stand?"})
        assert r.status_code == 201, r.text
        consultation_id = r.json()["id"]

    with system.client("denials", "partner", state="FR") as fr:
        assert fr.get(f"/v1/consultations/{consultation_id}").status_code == 404
        assert fr.get("/v1/consultations").json()["items"] == []
        assert fr.get(f"/v1/denials/{denial_id}").status_code == 200

    with system.client("denials", "partner", state="DE") as de:
        received = de.get("/v1/consultations?direction=received").json()["items"]
        assert [c["id"] for c in received] == [consultation_id]
        r = de.post(f"/v1/consultations/{consultation_id}/reply",
                    json={"answer": "the denial stands", "note": "criterion 7"})
        assert r.status_code == 200, r.text

    with system.client("denials", "mfa") as mfa:
        r = mfa.post(f"/v1/consultations/{consultation_id}/outcome",
                     json={"decision": "granted", "reasons": "end-use guarantees obtained"})
        assert r.status_code == 200 and r.json()["status"] == "closed"

    with system.client("denials", "partner", state="DE") as de:
        notes = de.get("/v1/notifications").json()["items"]
        assert [(n["consultation_id"], n["reasons"]) for n in notes] == [
            (consultation_id, "end-use guarantees obtained")]
        year = r.json()["opened_at"][:4]
        stats = de.get(f"/v1/consultations/stats?year={year}").json()["items"]
        assert {"state": "DE", "started": 0, "received": 1} in stats
