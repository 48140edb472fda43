"""Done when, on the real system (processes, NATS, SQLite): an application naming people; the
people erased; their names unreadable in every service's events, reads and the stream view;
`licensing verify` intact; the annual report byte for byte the same; an erasure inside the
retention period refused with its date; the erasure events free of personal data; and a backup
of the databases taken before the erasure, restored after it, still erased."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from shared.clock import business_date, utcnow
from shared.topology import SERVICES
from tests.support.system import System, running_system, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

JAN = "Jan de Vries"
PETRA = "Petra Jansen-Okafor"
ANNA = "Anna Bakker"
ANNA_MAIL = "anna.bakker@example.nl"
NAMES = (JAN, PETRA, ANNA, ANNA_MAIL)


def application(reference: str) -> dict[str, Any]:
    """A 2024 application whose end user and consignee are private persons, with a contact."""
    return {
        "reference": reference, "received_at": "2024-03-04T09:30:00+01:00",
        "regime": "military", "transaction": "export", "licence_type": "individual",
        "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789",
                      "contact": {"name": ANNA, "email": ANNA_MAIL}},
        "destinations": ["NO"],
        "consignee": {"name": PETRA, "country": "NO", "type": "private"},
        "end_user": {"name": JAN, "country": "NO", "type": "private"},
        "end_use": "sport shooting",
        "goods": [{"description": "target rifle", "rating": "ML1a", "quantity": 1,
                   "value_eur": "4200.00"}],
    }


def refused_application(reference: str) -> dict[str, Any]:
    """Another 2024 application for the same private end user, to be denied."""
    body = application(reference)
    del body["consignee"]
    body["applicant"] = {"name": "Thales Nederland B.V.", "eori": "NL123456789"}
    return body


def shown(data: Any) -> str:
    """Everything a reader is shown, as text to search for a name."""
    return json.dumps(data, ensure_ascii=False)


def backup(system: System, target: Path) -> None:
    """A copy of every service's database (not the key stores), taken while they run."""
    target.mkdir()
    for service in SERVICES:
        with sqlite3.connect(system.data_dir / f"{service}.db") as src, \
                sqlite3.connect(target / f"{service}.db") as dst:
            src.backup(dst)


def restore(system: System, source: Path) -> None:
    """Every service's database from a backup (the services stopped meanwhile)."""
    for service in SERVICES:
        system.services[service].stop()
        for suffix in ("-wal", "-shm"):
            Path(f"{system.data_dir / service}.db{suffix}").unlink(missing_ok=True)
        with sqlite3.connect(source / f"{service}.db") as src, \
                sqlite3.connect(system.data_dir / f"{service}.db") as dst:
            src.backup(dst)
    for service in SERVICES:
        system.services[service].start()


async def reads(system: System, app_id: str) -> dict[str, Any]:
    """What each service shows of the application: intake's, the case, the stream view."""
    async with system.client("intake", "customs") as intake, \
            system.client("assessment", "assessor", "mfa") as assessment, \
            system.client("reporting", "reporter") as reporting:
        got = {"intake": await intake.get(f"/v1/applications/{app_id}"),
               "case": await assessment.get(f"/v1/cases/{app_id}"),
               "stream": await reporting.get(f"/v1/streams/{app_id}")}
    for name, response in got.items():
        assert response.status_code == 200, (name, response.text)
    return {name: response.json() for name, response in got.items()}


async def settled_report(system: System) -> bytes:
    """The 2024 annual report once two reads a moment apart agree."""
    async with system.client("reporting", "reporter", timeout=60) as reporting:
        async def stable() -> bytes | None:
            first = (await reporting.get("/v1/reports/annual/2024")).content
            again = (await reporting.get("/v1/reports/annual/2024")).content
            return first if first == again and b"NO" in first else None

        result: bytes = await wait_for(stable, timeout=60, what="a settled report",
                                       interval=1.0)
        return result


async def test_an_erased_person_reads_erased_everywhere_and_nothing_else_changes(
        tmp_path: Path) -> None:
    async with running_system(tmp_path, nodes=1, replicas=1) as system:
        reference = f"NL-CUST-2024-{uuid.uuid4().hex[:6]}"
        async with system.client("intake", "customs") as intake:
            r = await intake.post("/v1/applications", json=application(reference),
                                  headers={"Idempotency-Key": reference})
        assert r.status_code == 201, r.text
        app_id = r.json()["id"]
        jan, petra = r.json()["end_user"]["subject"], r.json()["consignee"]["subject"]
        anna = r.json()["applicant"]["contact"]["subject"]
        assert len({jan, petra, anna}) == 3 and all(s.startswith("ps_") for s in (jan, anna))

        async with system.client("intake", "customs") as intake:
            r = await intake.post("/v1/applications", json=refused_application(reference + "-D"),
                                  headers={"Idempotency-Key": reference + "-D"})
        assert r.status_code == 201, r.text
        denied_id = r.json()["id"]
        assert r.json()["end_user"]["subject"] == jan  # the same person: the same subject

        async with system.client("assessment", "assessor", "mfa") as assessment:
            for case_id, decision in ((app_id, {"outcome": "approve"}),
                                      (denied_id, {"outcome": "deny", "criteria": [7],
                                                   "note": "diversion risk"})):
                async def screened(case_id: str = case_id) -> bool:
                    case = await assessment.get(f"/v1/cases/{case_id}")
                    return case.status_code == 200 and \
                        case.json()["screening"]["status"] == "completed"

                await wait_for(screened, timeout=60, what="the case screened")
                r = await assessment.post(f"/v1/cases/{case_id}/decision", json={
                    **decision, "decided_at": "2024-03-12T10:00:00+01:00"})
                assert r.status_code == 200, r.text

        async def nl_denial() -> dict[str, Any] | None:
            async with system.client("denials", "assessor") as denials:
                page = (await denials.get("/v1/denials", params={"state": "NL"})).json()
            return next((d for d in page["items"] if d.get("application_id") == denied_id),
                        None)

        denial = await wait_for(nl_denial, timeout=60, what="the NL denial registered")
        assert denial["end_user"]["name"] == JAN  # readable while the key exists

        async def stream_complete() -> bool:
            async with system.client("reporting", "reporter") as reporting:
                view = await reporting.get(f"/v1/streams/{app_id}")
            return view.status_code == 200 and "LicenceIssued" in view.text

        await wait_for(stream_complete, timeout=60, what="the licence in the stream view")
        before = await reads(system, app_id)
        for name in (JAN, PETRA, ANNA):  # readable while the keys exist
            assert name in shown(before["intake"]) and name in shown(before["stream"])
        assert JAN in shown(before["case"])
        report = await settled_report(system)
        assert JAN.encode() not in report and PETRA.encode() not in report
        assert b"private person" in report  # the denied application's end user

        # At rest every copy is sealed: no database and no byte of the log holds a name.
        for path in [*system.data_dir.glob("*.db*"), *(tmp_path / "nats").rglob("*")]:
            if path.is_file():
                data = path.read_bytes()
                assert not any(n.encode() in data for n in NAMES), path

        backup(system, tmp_path / "backup")

        # Inside the retention period a data subject's request is refused, saying until when.
        until = dt.date(business_date(utcnow()).year + 5, 12, 31).isoformat()
        async with system.client("intake", "admin") as intake:
            r = await intake.post("/v1/personal-data/erasures",
                                  json={"subject": jan, "ground": "subject-request"})
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["retained_until"] == until and until in r.json()["detail"]
        refused = system.cli("erase", jan, "--ground", "subject-request", roles=("admin",))
        assert refused.returncode == 1 and until in refused.stderr, refused.stderr

        # Ordered: erased in every service (the CLI reaches each through the topology).
        for subject in (jan, petra, anna):
            done = system.cli("erase", subject, "--ground", "ordered", "--json",
                              roles=("admin",))
            assert done.returncode == 0, done.stdout + done.stderr
            erased = json.loads(done.stdout)["erased"]
            assert sorted(e["service"] for e in erased) == sorted(SERVICES)

        after = await reads(system, app_id)
        for where, data in after.items():
            assert not any(n in shown(data) for n in NAMES), (where, data)
        assert after["intake"]["end_user"]["name"] == {"$erased": 1, "subject": jan}
        stream_names = [e["payload"]["end_user"]["name"] for e in after["stream"]["events"]
                        if e["type"] in ("ApplicationSubmitted", "CaseOpened")
                        and "end_user" in e["payload"]]
        stream_names += [e["payload"]["application"]["end_user"]["name"]
                         for e in after["stream"]["events"]
                         if "application" in e["payload"]]
        assert stream_names and set(stream_names) == {"[erased]"}
        async with system.client("denials", "assessor") as denials:
            denial_after = (await denials.get(f"/v1/denials/{denial['id']}")).json()
        assert denial_after["end_user"]["name"] == "[erased]", denial_after
        assert {k: v for k, v in denial_after.items() if k != "end_user"} == {
            k: v for k, v in denial.items() if k != "end_user"}
        # Everything not personal reads as before.
        assert after["intake"]["status"] == before["intake"]["status"] == "approved"
        assert after["intake"]["applicant"]["name"] == "Thales Nederland B.V."

        # The erasure events hold the subject's id, the ground and the day: nothing personal.
        async with system.client("reporting", "reporter") as reporting:
            async def recorded() -> list[dict[str, Any]] | None:
                view = await reporting.get(f"/v1/streams/{jan}")
                events = view.json()["events"] if view.status_code == 200 else []
                return events if len(events) == 3 else None

            events = await wait_for(recorded, timeout=30, what="three erasure events")
        assert sorted(e["source"] for e in events) == ["assessment", "denials", "intake"]
        for event in events:
            assert event["type"] == "PersonalDataErased"
            assert set(event["payload"]) == {"subject", "ground", "erased_on"}
            assert not any(n in shown(event) for n in NAMES)

        verified = system.verify()
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert await settled_report(system) == report

        # Nothing is due yet (the records are kept until `until`).
        due = system.cli("erase", "--due", "--json", roles=("admin",))
        assert due.returncode == 0 and json.loads(due.stdout)["erased"] == [], due.stderr

        # A backup of the databases from before the erasure, restored: still erased.
        restore(system, tmp_path / "backup")
        await system.wait_ready()
        restored = await reads(system, app_id)
        for where, data in restored.items():
            assert not any(n in shown(data) for n in NAMES), (where, data)
        assert restored["intake"]["end_user"]["name"] == {"$erased": 1, "subject": jan}


async def test_the_endpoints_answer_problems_for_bad_input(tmp_path: Path) -> None:
    async with running_system(tmp_path, nodes=1, replicas=1,
                              services=("intake", "reporting")) as system:
        for service in ("intake", "reporting"):
            async with system.client(service, "admin") as admin, \
                    system.client(service, "reporter") as reader:
                bad = await admin.post("/v1/personal-data/erasures",
                                       json={"subject": "Jan de Vries", "ground": "because"})
                assert bad.status_code == 422, bad.text
                assert {tuple(e["loc"])[-1] for e in bad.json()["errors"]} == {"subject",
                                                                               "ground"}
                forbidden = await reader.get("/v1/personal-data/due")
                assert forbidden.status_code == 403
                due = await admin.get("/v1/personal-data/due")
                assert due.status_code == 200 and due.json()["items"] == []
                unknown = await admin.post("/v1/personal-data/erasures", json={
                    "subject": "ps_" + "a" * 32, "ground": "subject-request"})
                assert unknown.status_code == 200, unknown.text
                assert unknown.json()["keys_deleted"] == 0
            async with system.client(service) as anyone:
                openapi = (await anyone.get("/openapi.json")).json()
            post = openapi["paths"]["/v1/personal-data/erasures"]["post"]
            assert {"200", "409", "422"} <= set(post["responses"])
