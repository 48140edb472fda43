"""`licensing up`: NATS and the four services on one machine, stopped cleanly together."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from licensing.nats_server import port_is_free, start_nats, wait_for_port
from licensing.settings import cli_settings
from shared.auth import ensure_key
from shared.topology import SERVICES, Topology

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # If `licensing up` is killed outright, the kernel stops its children too: no orphans.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def run_up(data_dir: Path) -> int:
    """Start everything, print the URLs, wait for a signal, stop everything."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").mkdir(exist_ok=True)
    topology = cli_settings()
    nats_url = topology.nats_url
    nats_port = topology.nats_port
    wanted = {name: topology.port(name) for name in SERVICES}
    taken = [(name, port, Topology.setting(name)) for name, port in wanted.items()
             if not port_is_free(port, topology.host)]
    if not nats_url and not port_is_free(nats_port):
        taken.insert(0, ("NATS", nats_port, "LICENSING_NATS_PORT (or LICENSING_NATS_URL to use "
                                             "a running server)"))
    if taken:
        for name, port, setting in taken:
            print(f"port {port} for {name} is taken; set {setting} to move it", file=sys.stderr)
        return 2
    ensure_key(data_dir)
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if not nats_url:
            nats = start_nats(data_dir / "nats", nats_port, log_file=data_dir / "logs/nats.log",
                              preexec_fn=_die_with_parent)
            children.append(("nats", nats))
            nats_url = topology.nats()
        # The children read the same settings; what `up` decided is handed down explicitly.
        env = {**os.environ, "LICENSING_DATA_DIR": str(data_dir), "LICENSING_NATS_URL": nats_url}
        for name in SERVICES:
            env[Topology.setting(name, "url")] = topology.url(name)
        for name in SERVICES:
            log = open(data_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - child keeps it
            proc = subprocess.Popen(
                [sys.executable, "-m", "licensing", "serve", name],
                env={**env, f"LICENSING_{name.upper()}_PORT": str(wanted[name])},
                stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
            )
            children.append((name, proc))
        for name in SERVICES:
            if not _wait_healthy(wanted[name], children):
                print(f"{name} did not start; see {data_dir / 'logs' / (name + '.log')}",
                      file=sys.stderr)
                return 1
        print(f"NATS        {nats_url}")
        for name in SERVICES:
            print(f"{name:<11} {topology.url(name)}  (docs: {topology.url(name)}/docs)")
        print(f"data dir    {data_dir}")
        print(f"token       licensing token --role customs --data-dir {data_dir}")
        print("ready; Ctrl-C stops everything", flush=True)
        while not stopping:
            for name, proc in children:
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping", file=sys.stderr)
                    return 1
            time.sleep(0.2)
        return 0
    finally:
        _stop_all(children)


def _wait_healthy(port: int, children: list[tuple[str, subprocess.Popen[bytes]]],
                  timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    wait_for_port(port, timeout=timeout)
    while time.monotonic() < deadline:
        if any(p.poll() is not None for _, p in children):
            return False
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def _stop_all(children: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    # Services first, all at once (their relays stop cleanly), NATS last.
    services = [p for name, p in children if name != "nats"]
    nats = [p for name, p in children if name == "nats"]
    for group in (services, nats):
        for proc in group:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in group:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
