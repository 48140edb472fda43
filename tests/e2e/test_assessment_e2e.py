"""Assessment end to end: real processes started by `licensing up`."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import System, wait_until

pytestmark = pytest.mark.e2e


def application(reference: str, **changes: Any) -> dict[str, Any]:
    """A contract-valid military export application to Saudi Arabia (an MFA case)."""
    body: dict[str, Any] = {
        "reference": reference, "regime": "military", "transaction": "export",
        "licence_type": "individual",
        "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
        "destinations": ["SA"],
        "end_user": {"name": "Royal Saudi Land Forces", "country": "SA",
                     "type": "armed_forces"},
        "end_use": "border surveillance",
        "goods": [{"description": "ground surveillance radar", "rating": "ML5a", "quantity": 2,
                   "value_eur": "900000.00"}],
    }
    body.update(changes)
    return body


def submit(system: System, body: dict[str, Any]) -> str:
    """Post an application to intake; its id."""
    with system.client("intake", "customs") as intake:
        r = intake.post("/v1/applications", json=body,
                        headers={"Idempotency-Key": f"key-{body['reference']}"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def screened_case(system: System, case_id: str) -> dict[str, Any]:
    """Wait for the case with a completed screening."""
    with system.client("assessment", "mfa") as assessment:
        def check() -> dict[str, Any] | None:
            r = assessment.get(f"/v1/cases/{case_id}")
            if r.status_code == 200 and r.json()["screening"]["status"] == "completed":
                return r.json()  # type: ignore[no-any-return]
            return None

        return wait_until(check, timeout=30)  # type: ignore[no-any-return]


def test_denial_reaches_the_registry_and_a_big_system_is_due_for_parliament(
        system: System) -> None:
    denied_id = submit(system, application(f"E2E-D-{uuid.uuid4().hex[:6]}"))
    big_id = submit(system, application(
        f"E2E-F-{uuid.uuid4().hex[:6]}",
        goods=[{"description": "air defence system", "rating": "ML4", "quantity": 1,
                "value_eur": "2500000.00", "complete_system": True}]))
    screened_case(system, denied_id)
    screened_case(system, big_id)
    with system.client("assessment", "mfa") as assessment:
        r = assessment.post(f"/v1/cases/{denied_id}/decision",
                            json={"outcome": "deny", "criteria": [2, 4, 7], "note": "risk"})
        assert r.status_code == 200, r.text
        decided_at = dt.datetime.now(dt.UTC)  # never before received_at, even within one second
        r = assessment.post(f"/v1/cases/{big_id}/decision",
                            json={"outcome": "approve", "decided_at": decided_at.isoformat()})
        assert r.status_code == 200, r.text
        number = r.json()["licence_number"]
        due = assessment.get("/v1/parliament-notifications?status=due").json()["items"]
    decided_on = decided_at.astimezone(dt.timezone(dt.timedelta(hours=1))).date()
    [notification] = [n for n in due if n["licence_number"] == number]
    assert notification["destination"] == "SA"
    assert dt.date.fromisoformat(notification["due_by"]) - dt.date.fromisoformat(
        notification["decided_on"]) == dt.timedelta(days=14)
    assert abs((dt.date.fromisoformat(notification["decided_on"]) - decided_on).days) <= 1

    with system.client("denials", "assessor") as denials:
        def registered() -> list[dict[str, Any]]:
            items = denials.get("/v1/denials", params={"state": "NL"}).json()["items"]
            return [d for d in items if d.get("application_id") == denied_id]

        [denial] = wait_until(registered, timeout=30)
    assert denial["state"] == "NL" and denial["destination"] == "SA"
    assert denial["criteria"] == [2, 4, 7]


def test_the_cli_lists_and_decides_a_case(system: System) -> None:
    case_id = submit(system, application(f"E2E-C-{uuid.uuid4().hex[:6]}"))
    screened_case(system, case_id)
    env = {"roles": ("mfa",)}
    listed = system.cli("cases", "list", "--queue", "mfa", "--json", **env)  # type: ignore[arg-type]
    assert listed.returncode == 0, listed.stderr
    assert case_id in [c["id"] for c in json.loads(listed.stdout)]
    table = system.cli("cases", "list", "--queue", "mfa", **env)  # type: ignore[arg-type]
    assert case_id in table.stdout and "QUEUE" in table.stdout
    refused = system.cli("cases", "decide", case_id, "--deny", "--criteria", "2,4,7",
                         "--note", "diversion risk")  # an assessor may not decide MFA cases
    assert refused.returncode == 1 and "mfa" in refused.stderr
    decided = system.cli("cases", "decide", case_id, "--deny", "--criteria", "2,4,7",
                         "--note", "diversion risk", **env)  # type: ignore[arg-type]
    assert decided.returncode == 0, decided.stderr
    assert "denied" in decided.stdout
    shown = system.cli("cases", "show", case_id, "--json", **env)  # type: ignore[arg-type]
    assert json.loads(shown.stdout)["decision"]["criteria"] == [2, 4, 7]
    notes = system.cli("notifications", "list", **env)  # type: ignore[arg-type]
    assert notes.returncode == 0, notes.stderr


def german_radar_denial(system: System) -> str:
    """Germany registers a denial of radars for the Saudi land forces; returns its id."""
    with system.client("denials", "partner", state="DE") as germany:
        r = germany.post("/v1/denials", json={
            "reference": f"DE-{uuid.uuid4().hex[:6]}", "denied_on": "2024-01-15",
            "regime": "military", "destination": "SA",
            "end_user": {"name": "Royal Saudi Land Forces", "country": "SA"},
            "goods_description": "ground surveillance radar", "rating": "ML5a",
            "quantity": 4, "criteria": [2, 7]})
        assert r.status_code == 201, r.text
        denial_id = r.json()["id"]
    return str(denial_id)


def test_a_match_with_a_partner_denial_blocks_approval_until_the_consultation_closes(
        system: System) -> None:
    denial_id = german_radar_denial(system)
    reference = f"E2E-M-{uuid.uuid4().hex[:6]}"
    case_id = submit(system, application(reference))
    case = screened_case(system, case_id)
    assert denial_id in [m["denial_id"] for m in case["denial_matches"]]
    with system.client("assessment", "mfa") as assessment:
        r = assessment.post(f"/v1/cases/{case_id}/decision", json={"outcome": "approve"})
        assert r.status_code == 409 and denial_id in r.json()["denial_ids"]
        with system.client("denials", "mfa") as nl:
            r = nl.post("/v1/consultations", json={"denial_id": denial_id,
                                                   "application_ref": reference,
                                                   "question": "same transaction?"})
            assert r.status_code == 201, r.text
            consultation_id = r.json()["id"]

            def names_consultation() -> bool:
                r = assessment.post(f"/v1/cases/{case_id}/decision",
                                    json={"outcome": "approve"})
                return r.status_code == 409 and consultation_id in r.json()["consultation_ids"]

            wait_until(names_consultation, timeout=30)
            with system.client("denials", "partner", state="DE") as germany:
                r = germany.post(f"/v1/consultations/{consultation_id}/reply",
                                 json={"answer": "we still object", "note": "criterion 7"})
                assert r.status_code in (200, 201), r.text
            r = nl.post(f"/v1/consultations/{consultation_id}/outcome",
                        json={"decision": "granted", "reasons": "end use verified"})
            assert r.status_code in (200, 201), r.text

        def approved() -> dict[str, Any] | None:
            r = assessment.post(f"/v1/cases/{case_id}/decision", json={"outcome": "approve"})
            return r.json() if r.status_code == 200 else None  # type: ignore[no-any-return]

        case = wait_until(approved, timeout=30)
    assert case["outcome"] == "approved" and case["licence_number"].startswith("NL-ML-")


def test_a_match_dismissed_in_assessment_reaches_the_registry_and_is_not_raised_again(
        system: System) -> None:
    denial_id = german_radar_denial(system)
    reference = f"E2E-X-{uuid.uuid4().hex[:6]}"
    case_id = submit(system, application(reference))
    case = screened_case(system, case_id)
    assert denial_id in [m["denial_id"] for m in case["denial_matches"]]
    mfa = ("mfa",)
    dismissed = system.cli("cases", "dismiss", case_id, "--denial", denial_id,
                           "--reason", "another unit of the land forces", roles=mfa)
    assert dismissed.returncode == 0, dismissed.stderr
    shown = system.cli("cases", "show", case_id, roles=mfa)
    assert f"dismissed denial {denial_id}: another unit" in shown.stdout

    ask = {"destination": "SA", "rating": "ML5a", "application_ref": reference,
           "end_user": {"name": "Royal Saudi Land Forces", "country": "SA"}}
    with system.client("denials", "assessor") as denials:
        def ruled() -> list[dict[str, Any]]:
            return denials.get("/v1/denials/matches/dismissals",  # type: ignore[no-any-return]
                               params={"application_ref": reference}).json()["items"]

        [ruling] = wait_until(ruled, timeout=30)
        assert ruling["denial_id"] == denial_id and ruling["dismissed_by"] == "e2e"
        assert denials.post("/v1/denials/matches", json=ask).json()["matches"] == []
        other = {**ask, "application_ref": f"{reference}-other"}
        assert [m["denial_id"] for m in denials.post("/v1/denials/matches",
                                                     json=other).json()["matches"]] == [denial_id]
    # The screening ran: there is nothing to re-run, and the approval no longer waits.
    again = system.cli("cases", "retry-screening", case_id, roles=mfa)
    assert again.returncode == 1 and "completed" in again.stderr
    decided = system.cli("cases", "decide", case_id, "--approve", roles=mfa)
    assert decided.returncode == 0, decided.stderr
    assert "approved" in decided.stdout
