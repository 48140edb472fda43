"""The backbone end to end: `licensing up` as a real process, NATS stopped and restarted."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import System, wait_until

pytestmark = pytest.mark.e2e


def application(reference: str) -> dict[str, object]:
    """A contract-valid military export application."""
    return {
        "reference": reference,
        "regime": "military",
        "transaction": "export",
        "licence_type": "individual",
        "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
        "destinations": ["NO"],
        "end_user": {"name": "Norwegian Armed Forces", "country": "NO", "type": "armed_forces"},
        "end_use": "air defence",
        "goods": [{"description": "fire control radar", "rating": "ML5a", "quantity": 2,
                   "value_eur": "1250000.00"}],
    }


def post(system: System, reference: str) -> str:
    with system.client("intake", "customs") as intake:
        response = intake.post("/v1/applications", json=application(reference),
                               headers={"Idempotency-Key": f"key-{reference}"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def lifecycle(system: System, application_id: str) -> list[str]:
    with system.client("reporting", "reporter") as reporting:
        response = reporting.get(f"/v1/streams/{application_id}")
    if response.status_code != 200:
        return []
    return [e["type"] for e in response.json()["events"]]


def test_a_submitted_application_shows_in_its_lifecycle_and_opens_a_case(system: System) -> None:
    application_id = post(system, "E2E-1")
    types = wait_until(lambda: "CaseOpened" in (t := lifecycle(system, application_id)) and t)
    assert types[0] == "ApplicationSubmitted"
    with system.client("assessment", "assessor") as assessment:
        cases = assessment.get("/v1/cases").json()["items"]
    assert [c["id"] for c in cases] == [application_id]


def test_applications_posted_while_nats_is_down_all_arrive_once(system: System) -> None:
    with system.client("intake", "customs"):
        pass
    system.nats.stop()
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda n: post(system, f"OUTAGE-{n:03d}"), range(100)))
    system.nats.start()

    def all_arrived() -> bool:
        return all(lifecycle(system, i).count("ApplicationSubmitted") == 1 for i in ids)

    wait_until(all_arrived, timeout=60, interval=0.5)
    for application_id in ids:
        assert lifecycle(system, application_id).count("ApplicationSubmitted") == 1

    verify = subprocess.run([sys.executable, "-m", "licensing", "verify", "--data-dir",
                             str(system.data_dir)], capture_output=True, text=True,
                            env=system.env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "intake: 100 streams intact" in verify.stdout

    # An event edited by hand in intake's database is found and named.
    tampered = ids[17]
    edit = ("UPDATE events SET body = replace(body, 'NO', 'SE') "
            "WHERE stream_id = $1 AND stream_version = 1")
    if system.backend == "postgresql":
        asyncio.run(_execute(system.env["LICENSING_INTAKE_DB"],
                             "DROP TRIGGER events_no_change ON events", edit, tampered))
    else:
        with sqlite3.connect(system.data_dir / "intake.db") as db:
            db.execute("DROP TRIGGER events_no_update")
            db.execute(edit.replace("$1", "?"), (tampered,))
    verify = subprocess.run([sys.executable, "-m", "licensing", "verify", "--data-dir",
                             str(system.data_dir)], capture_output=True, text=True,
                            env=system.env)
    assert verify.returncode == 1
    assert f"stream {tampered} version 1" in verify.stdout


async def _execute(url: str, ddl: str, statement: str, *args: object) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(ddl)
        await conn.execute(statement, *args)
    finally:
        await conn.close()
