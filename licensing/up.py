"""`licensing up`: NATS and the four services on one machine, supervised, stopped together.

A process that dies (SIGKILL, an out-of-memory kill, a crash) is started again after a pause
that doubles with each crash (0.5 s, 1 s, 2 s ... at most 10 s), while the others keep
serving. Only when one process has crashed `max_crashes` times within `window` seconds does
`licensing up` give up: it says which process, how it ended and its last log lines, stops
everything and exits 1. SIGINT or SIGTERM stops everything cleanly and exits 0.

`--replicas SERVICE=N` runs N processes of a service, on its port, port + 100, port + 200 ...
(the step keeps clear of the next service's port), sharing its database and its durable
consumers. What runs is written to DATA_DIR/up.json, which `licensing status` reads.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from licensing.nats_server import nats_args, port_is_free, wait_for_port
from licensing.runstate import ProcessState, RunState
from licensing.settings import CliSettings, cli_settings
from shared.auth import ensure_key
from shared.topology import SERVICES, Topology

PR_SET_PDEATHSIG = 1
REPLICA_PORT_STEP = 100
HEALTH_EVERY_SECONDS = 0.5
TICK_SECONDS = 0.2


def _die_with_parent() -> None:
    # If `licensing up` is killed outright, the kernel stops its children too: no orphans.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class RestartPolicy:
    """When a dead process is started again, and when `licensing up` gives up instead."""

    max_crashes: int = 5
    window: float = 60.0
    first_delay: float = 0.5
    max_delay: float = 10.0

    def delay(self, crashes: int) -> float:
        """The pause before the restart that follows the `crashes`-th recent crash."""
        return float(min(self.first_delay * 2 ** max(crashes - 1, 0), self.max_delay))


def replica_port(port: int, replica: int) -> int:
    """The port of a service's replica (1 is the service's own port)."""
    return port + REPLICA_PORT_STEP * (replica - 1)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Child:
    """One supervised process: how to start it, how to tell it is healthy, its recent crashes."""

    state: ProcessState
    argv: list[str]
    log_path: Path
    port: int
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None
    crashes: deque[float] = field(default_factory=deque)
    restart_at: float | None = None
    checked_at: float = 0.0

    @property
    def name(self) -> str:
        """The process's name: nats, intake, assessment#2."""
        return self.state.name

    def spawn(self) -> None:
        """Start the process, its output appended to its log."""
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.state.pid = self.proc.pid
        self.state.state = "starting"
        self.checked_at = 0.0

    def healthy(self) -> bool:
        """Whether it answers: NATS accepts connections, a service's /health says 200."""
        if self.state.service is None:
            return wait_for_port(self.port, timeout=0.2)
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/health",
                             timeout=HEALTH_EVERY_SECONDS).status_code == 200
        except httpx.HTTPError:
            return False

    def ended(self) -> str:
        """How the process ended, in words."""
        assert self.proc is not None
        code = self.proc.returncode
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            why = " (an out-of-memory kill, or kill -9)" if -code == signal.SIGKILL else ""
            return f"was killed by {name}{why}"
        return f"exited with status {code}"

    def tail(self, lines: int = 15) -> str:
        """The last lines of its log."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return "    (no log)"
        return "\n".join(f"    {line}" for line in text) or "    (the log is empty)"


class Supervisor:
    """Starts the children, restarts one that dies, gives up on one that keeps dying."""

    def __init__(self, children: list[Child], run: RunState, data_dir: Path,
                 policy: RestartPolicy) -> None:
        self.children = children
        self.run = run
        self.data_dir = data_dir
        self.policy = policy
        self.stopping = False

    def save(self) -> None:
        """Write what runs to the data dir's state file."""
        self.run.processes = [c.state for c in self.children]
        self.run.write(self.data_dir)

    def start(self, timeout: float = 60.0) -> str | None:
        """Start every child and wait until each is healthy; what went wrong, or None.

        The first process of each service starts before its replicas: it migrates the
        database, and two processes migrating one fresh database at once collide.
        """
        for wave in ([c for c in self.children if c.state.replica == 1],
                     [c for c in self.children if c.state.replica > 1]):
            failed = self._start_wave(wave, timeout)
            if failed or self.stopping:
                return failed
        return None

    def _start_wave(self, wave: list[Child], timeout: float) -> str | None:
        for child in wave:
            child.spawn()
            if child.state.service is None and not wait_for_port(child.port, timeout=10):
                return f"nats-server did not start on port {child.port}:\n{child.tail()}"
        self.save()
        deadline = time.monotonic() + timeout
        waiting = list(wave)
        while waiting and not self.stopping:
            for child in list(waiting):
                assert child.proc is not None
                if child.proc.poll() is not None:
                    return (f"{child.name} {child.ended()} while starting; see {child.log_path}"
                            f":\n{child.tail()}")
                if child.healthy():
                    child.state.state = "running"
                    waiting.remove(child)
            if time.monotonic() > deadline:
                names = ", ".join(c.name for c in waiting)
                return f"{names} did not become healthy within {timeout:.0f}s; see the logs " \
                       f"in {self.data_dir / 'logs'}"
            if waiting:
                time.sleep(TICK_SECONDS)
        self.save()
        return None

    def tick(self, now: float) -> str | None:
        """Restart what died, note what came back; the reason to give up, or None."""
        changed = False
        for child in self.children:
            assert child.proc is not None
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restart_at = None
                    child.state.restarts += 1
                    child.spawn()
                    changed = True
                continue
            if child.proc.poll() is not None:
                ended = child.ended()
                child.crashes.append(now)
                while child.crashes and child.crashes[0] < now - self.policy.window:
                    child.crashes.popleft()
                child.state.last_exit, child.state.last_exit_at = ended, _now()
                child.state.state = "restarting"
                changed = True
                if len(child.crashes) >= self.policy.max_crashes:
                    self.save()
                    return (f"{child.name} {ended}: {len(child.crashes)} crashes within "
                            f"{self.policy.window:.0f}s; its last log lines "
                            f"({child.log_path}):\n{child.tail()}")
                delay = self.policy.delay(len(child.crashes))
                child.restart_at = now + delay
                print(f"{child.name} {ended}; starting it again in {delay:.1f}s (crash "
                      f"{len(child.crashes)} of at most {self.policy.max_crashes} within "
                      f"{self.policy.window:.0f}s)", file=sys.stderr, flush=True)
            elif (child.state.state == "starting"
                  and now - child.checked_at >= HEALTH_EVERY_SECONDS):
                child.checked_at = now
                if child.healthy():
                    child.state.state = "running"
                    changed = True
                    print(f"{child.name} is running again (pid {child.state.pid})",
                          file=sys.stderr, flush=True)
        if changed:
            self.save()
        return None

    def stop(self) -> None:
        """Stop the services all at once (their relays stop cleanly), NATS last."""
        services = [c.proc for c in self.children if c.state.service and c.proc]
        nats = [c.proc for c in self.children if c.state.service is None and c.proc]
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
        for child in self.children:
            child.state.state, child.state.pid = "stopped", None


def _children(topology: CliSettings, data_dir: Path, replicas: dict[str, int],
              nats_url: str | None) -> list[Child]:
    """What to run: NATS unless one is configured, then each service's replicas."""
    logs = data_dir / "logs"
    children: list[Child] = []
    if not nats_url:
        store = data_dir / "nats"
        store.mkdir(exist_ok=True)
        children.append(Child(
            ProcessState("nats", None, 1, topology.nats()),
            nats_args(store, topology.nats_port), logs / "nats.log", topology.nats_port))
    # The children read the same settings; what `up` decided is handed down explicitly.
    env = {**os.environ, "LICENSING_DATA_DIR": str(data_dir),
           "LICENSING_NATS_URL": nats_url or topology.nats()}
    for name in SERVICES:
        env[Topology.setting(name, "url")] = topology.url(name)
    for name in SERVICES:
        count = replicas.get(name, 1)
        for replica in range(1, count + 1):
            port = replica_port(topology.port(name), replica)
            label = name if replica == 1 else f"{name}#{replica}"
            url = topology.url(name) if replica == 1 else f"http://{topology.host}:{port}"
            log = logs / (f"{name}.log" if replica == 1 else f"{name}-{replica}.log")
            children.append(Child(
                ProcessState(label, name, replica, url),
                [sys.executable, "-m", "licensing", "serve", name], log, port,
                env={**env, Topology.setting(name): str(port)}))
    return children


def run_up(data_dir: Path, *, replicas: dict[str, int] | None = None,
           policy: RestartPolicy | None = None) -> int:
    """Start everything, print the URLs, supervise until a signal, stop everything."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").mkdir(exist_ok=True)
    topology = cli_settings()
    replicas = replicas or {}
    children = _children(topology, data_dir, replicas, topology.nats_url)
    taken = []
    for child in children:
        if child.port > 65535 or not port_is_free(child.port, topology.host):
            setting = (Topology.setting(child.state.service) if child.state.service
                       else "LICENSING_NATS_PORT (or LICENSING_NATS_URL to use a running "
                            "server)")
            what = child.name if child.state.replica == 1 else \
                f"{child.name} (replica {child.state.replica}: port + {REPLICA_PORT_STEP} " \
                f"x {child.state.replica - 1})"
            taken.append(f"port {child.port} for {what} is taken; set {setting} to move it")
    if taken:
        print("\n".join(taken), file=sys.stderr)
        return 2
    ensure_key(data_dir)
    run = RunState(pid=os.getpid(), data_dir=str(data_dir),
                   nats_url=topology.nats_url or topology.nats())
    supervisor = Supervisor(children, run, data_dir, policy or RestartPolicy())

    def stop(*_args: object) -> None:
        supervisor.stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        failed = supervisor.start()
        if failed:
            run.state, run.reason = "gave up", failed
            print(failed, file=sys.stderr)
            return 1
        if supervisor.stopping:
            return 0
        _say_ready(children, run, data_dir)
        run.state = "running"
        supervisor.save()
        while not supervisor.stopping:
            reason = supervisor.tick(time.monotonic())
            if reason:
                run.state, run.reason = "gave up", reason
                print(f"giving up: {reason}\nstopping everything", file=sys.stderr, flush=True)
                return 1
            time.sleep(TICK_SECONDS)
        run.state = "stopped"
        return 0
    finally:
        supervisor.stop()
        supervisor.save()


def _say_ready(children: list[Child], run: RunState, data_dir: Path) -> None:
    print(f"{'NATS':<13}{run.nats_url}")
    counts = {c.state.service: c.state.replica for c in children if c.state.service}
    for child in children:
        if child.state.service is None:
            continue
        url = child.state.url
        extra = (f"  (replica {child.state.replica} of {counts[child.state.service]}: the same "
                 "database and consumers)" if child.state.replica > 1 else
                 f"  (docs: {url}/docs)")
        print(f"{child.name:<13}{url}{extra}")
    print(f"{'data dir':<13}{data_dir}")
    print(f"{'token':<13}licensing token --role customs --data-dir {data_dir}")
    print("ready; Ctrl-C stops everything", flush=True)
