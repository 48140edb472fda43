"""The whole system started as real processes by `licensing up`, on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from licensing.nats_server import free_port
from tests.harness import NatsServer

SERVICES = ("intake", "assessment", "denials", "reporting")


@dataclass
class System:
    """A running `licensing up` with its own NATS, data dir and URLs."""

    data_dir: Path
    nats: NatsServer
    urls: dict[str, str]
    proc: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)
    backend: str = "sqlite"  # or "postgresql" (then `nats` is a three-node NatsCluster)
    tokens: dict[tuple[tuple[str, ...], str | None, str], str] = field(default_factory=dict)

    def token(self, *roles: str, state: str | None = None, sub: str = "e2e") -> str:
        """A token from `licensing token`, as a user would get one (minted once per caller)."""
        key = (roles, state, sub)
        if key not in self.tokens:
            self.tokens[key] = self._mint(*roles, state=state, sub=sub)
        return self.tokens[key]

    def _mint(self, *roles: str, state: str | None, sub: str) -> str:
        args = [sys.executable, "-m", "licensing", "token", "--data-dir", str(self.data_dir),
                "--sub", sub]
        for role in roles:
            args += ["--role", role]
        if state:
            args += ["--state", state]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()

    def client(self, service: str, *roles: str, state: str | None = None) -> httpx.Client:
        """An HTTP client on one service, authenticated with the given roles."""
        headers = {"Authorization": f"Bearer {self.token(*roles, state=state)}"} if roles else {}
        return httpx.Client(base_url=self.urls[service], headers=headers, timeout=30.0)

    def cli(self, *args: str, roles: tuple[str, ...] = ("assessor",)
            ) -> subprocess.CompletedProcess[str]:
        """Run the `licensing` command against this system."""
        env = {**self.env, "LICENSING_TOKEN": self.token(*roles)}
        return subprocess.run([sys.executable, "-m", "licensing", *args], env=env,
                              capture_output=True, text=True, timeout=120)


def wait_until(check, *, timeout: float = 15.0, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (AssertionError, httpx.HTTPError):
            last = None
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def system(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[System]:
    """`licensing up` as a real process, with NATS the test can stop and restart: one node and
    SQLite; or, when LICENSING_TEST_POSTGRES_URL names a server, a three-node JetStream cluster
    (the stream at three replicas) and one PostgreSQL database per service, dropped after."""
    if request.param == "sqlite":
        yield from _up(tmp_path, NatsServer(tmp_path / "nats").start(), {}, "sqlite")
        return
    from tests.support.system import NatsCluster, postgres_databases_sync, postgres_url

    base = postgres_url()
    if base is None:
        pytest.skip("set LICENSING_TEST_POSTGRES_URL to run the system on PostgreSQL")
    with postgres_databases_sync(base, SERVICES) as databases:
        settings = {f"LICENSING_{name.upper()}_DB": url for name, url in databases.items()}
        settings["LICENSING_NATS_REPLICAS"] = "3"
        yield from _up(tmp_path, NatsCluster(tmp_path / "nats", 3).start(), settings,
                       "postgresql")


def _up(tmp_path: Path, nats: NatsServer, settings: dict[str, str],
        backend: str) -> Iterator[System]:
    ports = {name: free_port() for name in SERVICES}
    env = {**os.environ, "LICENSING_NATS_URL": nats.url,
           "LICENSING_DATA_DIR": str(tmp_path / "data"), **settings}
    for name, port in ports.items():
        env[f"LICENSING_{name.upper()}_PORT"] = str(port)
        env[f"LICENSING_{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-m", "licensing", "up", "--data-dir", str(data_dir)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    system = System(data_dir=data_dir, nats=nats, urls=urls, proc=proc, env=env, backend=backend)
    try:
        assert proc.stdout is not None
        said: list[str] = []
        for line in proc.stdout:
            said.append(line.decode(errors="replace"))
            if b"ready;" in line:
                break
        else:
            logs = {p.name: p.read_text(errors="replace")[-2000:]
                    for p in sorted((data_dir / "logs").glob("*.log"))}
            raise AssertionError(f"licensing up exited with {proc.wait()}: {''.join(said)}"
                                 f"\nlogs: {logs}")
        yield system
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        nats.stop()
