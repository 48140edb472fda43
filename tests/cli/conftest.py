"""`licensing up` run as a newcomer runs it: from a project directory, every port moved by
`LICENSING_<SERVICE>_PORT` / `LICENSING_NATS_PORT`, and no other setting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from licensing.nats_server import free_port, port_is_free
from licensing.up import replica_port
from shared.topology import SERVICES


def free_ports(replicas: int = 3) -> dict[str, int]:
    """A free port for NATS and each service, with its replicas' ports free too."""
    ports = {"nats": free_port()}
    for name in SERVICES:
        while True:
            port = free_port()
            if port + 100 * replicas <= 65535 and all(
                    port_is_free(replica_port(port, n)) for n in range(2, replicas + 1)):
                ports[name] = port
                break
    return ports


def newcomer_env(ports: dict[str, int]) -> dict[str, str]:
    """This environment without any LICENSING_ setting, plus the moved ports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LICENSING_")}
    env.update({f"LICENSING_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    return env


@dataclass
class Up:
    """A running `licensing up` started in `project` (its data dir is `project/var`)."""

    project: Path
    ports: dict[str, int]
    proc: subprocess.Popen[str]
    said: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """The environment the user works in: the moved ports and the settings `up` had."""
        return {**newcomer_env(self.ports), **self.settings}

    def url(self, service: str) -> str:
        """Where a service answers."""
        return f"http://127.0.0.1:{self.ports[service]}"

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 120,
            **env: str) -> subprocess.CompletedProcess[str]:
        """`licensing ARGS` run from the project directory with the user's environment."""
        return subprocess.run([sys.executable, "-m", "licensing", *args],
                              env={**self.env, **env}, cwd=cwd or self.project,
                              capture_output=True, text=True, timeout=timeout)

    def token(self, *roles: str) -> str:
        """A token from `licensing token`, run where the user runs it."""
        args = [a for role in roles for a in ("--role", role)]
        done = self.run("token", *args)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Signal `licensing up` and wait for it to exit; its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


def start_up(project: Path, *args: str, ports: dict[str, int] | None = None,
             env: dict[str, str] | None = None) -> Up:
    """Start `licensing up ARGS` in `project` with every port moved (and `env` settings);
    return once it is ready."""
    env = env or {}
    project.mkdir(parents=True, exist_ok=True)
    ports = ports or free_ports()
    proc = subprocess.Popen([sys.executable, "-m", "licensing", "up", *args],
                            env={**newcomer_env(ports), **env}, cwd=project, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    up = Up(project=project, ports=ports, proc=proc, settings=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        up.said.append(line)
        if line.startswith("ready;"):
            # Keep reading what it says, so a full pipe never blocks it.
            threading.Thread(target=lambda: up.said.extend(proc.stdout or ()),
                             daemon=True).start()
            return up
    logs = {p.name: p.read_text(errors="replace")[-2000:]
            for p in sorted((project / "var" / "logs").glob("*.log"))}
    raise AssertionError(f"licensing up exited with {proc.wait()}: {''.join(up.said)}\n"
                         f"logs: {logs}")


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    """One `licensing up` for a module's tests, every port moved, started in a project dir."""
    up = start_up(tmp_path_factory.mktemp("project"))
    try:
        yield up
    finally:
        up.stop()
