"""With every port moved by LICENSING_<SERVICE>_PORT and no other setting, each command a
newcomer runs from the project directory reaches the running services."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from shared.topology import SERVICES
from tests.cli.conftest import Up
from tests.e2e.conftest import wait_until
from tests.harness import walkthrough_application

pytestmark = pytest.mark.e2e


def application(reference: str) -> dict[str, object]:
    """The README's walk-through application, received in 2024."""
    return walkthrough_application(reference)


def test_status_finds_every_service_on_its_moved_port(newcomer: Up) -> None:
    done = newcomer.run("status")
    assert done.returncode == 0, done.stdout + done.stderr
    for name in SERVICES:
        [line] = [row for row in done.stdout.splitlines() if row.startswith(name)]
        assert "ready" in line and newcomer.url(name) in line


def test_the_walk_through_runs_with_moved_ports(newcomer: Up) -> None:
    customs = newcomer.token("customs")
    assessor = newcomer.token("assessor")
    reference = f"NL-CUST-2024-{uuid.uuid4().hex[:6]}"
    created = httpx.post(f"{newcomer.url('intake')}/v1/applications", json=application(reference),
                         headers={"Authorization": f"Bearer {customs}",
                                  "Idempotency-Key": reference})
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]

    def listed() -> bool:
        done = newcomer.run("cases", "list", "--queue", "cdiu", "--json",
                            LICENSING_TOKEN=assessor)
        assert done.returncode == 0, done.stderr
        return case_id in [c["id"] for c in json.loads(done.stdout)]

    wait_until(listed, timeout=30, interval=0.5)
    decided = newcomer.run("cases", "decide", case_id, "--approve", "--note", "routine",
                           "--decided-at", "2024-03-12T10:00:00+01:00",
                           LICENSING_TOKEN=assessor)
    assert decided.returncode == 0, decided.stderr
    assert "approved" in decided.stdout

    # The README exports the assessor's token; `report` needs reporter and mints its own.
    def reported() -> list[str]:
        done = newcomer.run("report", "2024", "--format", "csv", "--table",
                            "military.summary", LICENSING_TOKEN=assessor)
        assert done.returncode == 0, done.stderr
        assert "LICENSING_TOKEN carries the roles assessor" in done.stderr
        header, row = done.stdout.splitlines()
        values = dict(zip(header.split(","), row.split(","), strict=True))
        return [values["applications"], values["approved"]] if values["approved"] == "1" else []

    assert wait_until(reported, timeout=30, interval=0.5) == ["1", "1"]
    html = newcomer.project / "report-2024.html"
    done = newcomer.run("report", "2024", "--format", "html", "-o", str(html))
    assert done.returncode == 0 and html.read_text().startswith("<!DOCTYPE html>"), done.stderr

    notes = newcomer.run("notifications", "list", LICENSING_TOKEN=assessor)
    assert notes.returncode == 0, notes.stderr
    replay = newcomer.run("replay", LICENSING_TOKEN=assessor)
    assert replay.returncode == 0, replay.stderr
    assert "rebuilt generation" in replay.stdout


def test_the_demo_drives_the_running_system(newcomer: Up) -> None:
    done = newcomer.run("demo", "--applications", "6", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"using the running system at {newcomer.url('intake')}" in done.stdout
    assert (newcomer.project / "var" / "report.html").exists()


def test_without_a_key_a_command_names_the_role_and_how_to_get_a_token(
        newcomer: Up, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    done = newcomer.run("report", "2024", cwd=elsewhere)
    assert done.returncode == 2
    assert "needs a token with role reporter or admin" in done.stderr
    assert "licensing token --role reporter" in done.stderr
    done = newcomer.run("cases", "list", cwd=elsewhere)
    assert done.returncode == 2 and "assessor or mfa" in done.stderr


def test_a_token_with_the_wrong_role_is_named_when_no_key_can_mint_another(
        newcomer: Up, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    done = newcomer.run("replay", cwd=elsewhere, LICENSING_TOKEN=newcomer.token("reporter"))
    assert done.returncode == 2
    assert "LICENSING_TOKEN carries the roles reporter" in done.stderr
    assert "`licensing replay` needs a token with role admin" in done.stderr
    assert "licensing token --role admin" in done.stderr


def test_a_refusal_says_which_roles_the_token_carried(newcomer: Up) -> None:
    # A token that claims a role, signed with another key: the service answers 401.
    from shared.auth import issue_token

    forged = issue_token("another-key-" + "x" * 40, roles=["reporter"], sub="someone")
    done = newcomer.run("report", "2024", "--token", forged)
    assert done.returncode == 1
    assert "401" in done.stderr and "signed with another key" in done.stderr
