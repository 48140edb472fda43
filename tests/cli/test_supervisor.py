"""`licensing up` supervises: a process that dies is started again while the others serve,
one that keeps dying makes it give up cleanly, and a clean stop stops all and exits 0."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import httpx
import pytest

from licensing.runstate import ProcessState, RunState, pid_alive, read_state
from tests.cli.conftest import Up, start_up
from tests.cli.test_moved_ports import application
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def state(up: Up) -> RunState:
    """What up.json says now."""
    found = read_state(up.project / "var")
    assert found is not None
    return found


def process(up: Up, name: str) -> ProcessState:
    """One supervised process as up.json describes it."""
    [found] = [p for p in state(up).processes if p.name == name]
    return found


def submit(up: Up, customs: str) -> str:
    """Customs posts an application; its id."""
    reference = f"SUP-{uuid.uuid4().hex[:8]}"
    created = httpx.post(f"{up.url('intake')}/v1/applications", json=application(reference),
                         headers={"Authorization": f"Bearer {customs}",
                                  "Idempotency-Key": reference}, timeout=30)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def has_case(up: Up, assessor: str, case_id: str, url: str | None = None) -> bool:
    """Whether assessment (at `url`, default its first process) has opened the case."""
    response = httpx.get(f"{url or up.url('assessment')}/v1/cases/{case_id}",
                         headers={"Authorization": f"Bearer {assessor}"}, timeout=5)
    return response.status_code == 200


def children_of(run: RunState) -> list[int]:
    """The pids of every supervised process."""
    return [p.pid for p in run.processes if p.pid]


def test_a_killed_service_is_restarted_while_the_others_keep_serving(tmp_path: Path) -> None:
    up = start_up(tmp_path / "project")
    try:
        customs, assessor = up.token("customs"), up.token("assessor")
        first = process(up, "assessment")
        os.kill(first.pid or 0, signal.SIGKILL)
        # Intake keeps accepting while assessment is away; the case opens once it is back.
        waiting = submit(up, customs)
        back = wait_until(lambda: (p := process(up, "assessment")).state == "running"
                          and p.pid != first.pid and p, timeout=60, interval=0.2)
        assert back.restarts == 1 and "SIGKILL" in (back.last_exit or "")
        wait_until(lambda: has_case(up, assessor, waiting), timeout=60, interval=0.3)
        assert process(up, "intake").restarts == 0

        shown = up.run("status")
        assert shown.returncode == 0, shown.stdout
        [line] = [row for row in shown.stdout.splitlines() if row.startswith("assessment ")]
        assert line.split()[7] == "1" and "SIGKILL" in line

        # NATS too: killed, started again on its port and store, and events flow again.
        nats = process(up, "nats")
        os.kill(nats.pid or 0, signal.SIGKILL)
        wait_until(lambda: process(up, "nats").restarts == 1
                   and process(up, "nats").state == "running", timeout=60, interval=0.2)
        later = submit(up, customs)
        wait_until(lambda: has_case(up, assessor, later), timeout=60, interval=0.3)

        pids = children_of(state(up))
    finally:
        code = up.stop(signal.SIGTERM)
    assert code == 0, "".join(up.said)
    assert not [pid for pid in pids if pid_alive(pid)]
    assert state(up).state == "stopped"


def test_repeated_crashes_make_up_give_up_and_stop_everything(tmp_path: Path) -> None:
    up = start_up(tmp_path / "project", "--max-crashes", "3", "--crash-window", "120")
    try:
        pids = children_of(state(up))
        killed: set[int] = set()
        while up.proc.poll() is None and len(killed) < 3:
            current = wait_until(lambda: (p := process(up, "denials")).pid not in killed
                                 and p.state in ("starting", "running") and p.pid,
                                 timeout=60, interval=0.05)
            os.kill(current, signal.SIGKILL)
            killed.add(current)
        code = up.proc.wait(timeout=60)
    finally:
        if up.proc.poll() is None:
            up.stop()
    said = "".join(up.said)
    assert code == 1, said
    assert "giving up: denials was killed by SIGKILL" in said
    assert "3 crashes within 120s" in said
    assert "its last log lines" in said and "denials.log" in said
    assert not [pid for pid in pids if pid_alive(pid)]
    gave_up = state(up)
    assert gave_up.state == "gave up" and "denials" in (gave_up.reason or "")
    shown = up.run("status")
    assert shown.returncode == 1
    assert "gave up: denials was killed by SIGKILL" in shown.stdout
