"""`licensing status`'s cluster part against three real clustered nats-servers."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest

from licensing.cluster_status import cluster_status, gather
from licensing.nats_server import free_port, nats_server_binary, wait_for_port
from shared.bus import ensure_stream

STREAM = "LICENSING"


class Cluster:
    """Three nats-servers clustered on loopback, JetStream in temporary directories."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ports = [free_port() for _ in range(3)]
        self.routes = [free_port() for _ in range(3)]
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def urls(self) -> list[str]:
        """The client URL of each node."""
        return [f"nats://127.0.0.1:{port}" for port in self.ports]

    def start(self) -> Cluster:
        """Start the three nodes and wait until each listens."""
        routes = ",".join(f"nats://127.0.0.1:{port}" for port in self.routes)
        for i, (port, route) in enumerate(zip(self.ports, self.routes, strict=True)):
            self.procs.append(subprocess.Popen(
                [str(nats_server_binary()), "-a", "127.0.0.1", "-p", str(port), "-js",
                 "-sd", str(self.directory / f"n{i}"), "--server_name", f"n{i}",
                 "--cluster_name", "observe", "--cluster", f"nats://127.0.0.1:{route}",
                 "--routes", routes],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port in self.ports:
            assert wait_for_port(port)
        return self

    def kill(self, name: str) -> None:
        """SIGKILL one node by its server name."""
        proc = self.procs[int(name.removeprefix("n"))]
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        """Stop every node still running."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)


def until(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        last = check()
        if last:
            return last
        assert time.monotonic() < deadline, f"condition not met within {timeout}s"
        time.sleep(0.1)


async def _create_stream(url: str) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=5)
        for _attempt in range(100):
            try:
                await ensure_stream(js, STREAM, replicas=3)
                break
            except (nats.errors.Error, TimeoutError):
                # The cluster elects its meta leader first.
                await asyncio.sleep(0.1)
        await js.publish("lic.intake.a.ApplicationSubmitted", b"{}")
    finally:
        await nc.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A running three-node cluster with the event-log stream at three replicas."""
    running = Cluster(tmp_path).start()
    try:
        asyncio.run(_create_stream(running.urls[0]))
        yield running
    finally:
        running.stop()


def test_status_names_every_server_the_stream_leader_and_its_replicas(
        cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    def settled() -> Any:
        servers, stream = asyncio.run(gather(cluster.urls, STREAM))
        return stream is not None and stream.leader and len(stream.replicas) == 2 and all(
            p.current for p in stream.replicas) and (servers, stream)

    servers, stream = until(settled)
    assert [s.reachable for s in servers] == [True, True, True]
    assert {s.name for s in servers} == {"n0", "n1", "n2"}
    assert {s.cluster for s in servers} == {"observe"}
    assert stream.configured_replicas == 3 and stream.messages == 1
    assert {p.name for p in stream.replicas} | {stream.leader} == {"n0", "n1", "n2"}

    assert cluster_status(cluster.urls, STREAM) == 0
    out = capsys.readouterr().out
    assert f"leader {stream.leader}" in out
    for peer in stream.replicas:
        assert f"replica {peer.name}: current, lag 0" in out


def test_status_fails_when_a_node_is_gone_and_says_which(
        cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    servers, stream = until(lambda: (found := asyncio.run(gather(cluster.urls, STREAM)))[1]
                            and found[1].leader and found)
    victim = next(p.name for p in stream.replicas)
    cluster.kill(victim)

    def offline() -> Any:
        _servers, seen = asyncio.run(gather(cluster.urls, STREAM, timeout=1.0))
        return seen is not None and any(not p.current for p in seen.replicas
                                        if p.name == victim)

    until(offline)
    assert cluster_status(cluster.urls, STREAM, timeout=1.0) == 1
    out = capsys.readouterr().out
    gone = cluster.urls[int(victim.removeprefix("n"))]
    assert any(line.startswith(gone) and " NO " in line for line in out.splitlines())
    assert f"replica {victim}: NOT CURRENT" in out
    assert "Connect call failed" in out or "refused" in out.lower()


def test_status_of_a_server_nobody_runs() -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    servers, stream = asyncio.run(gather([url], STREAM, timeout=1.0))
    assert stream is None
    assert not servers[0].reachable and servers[0].error
