"""What every benchmark shares: timing, machine facts, NATS and service processes, results."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from licensing.nats_server import free_port, wait_for_port
from tests.harness import TEST_SECRET, NatsServer

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Row:
    """One measured line of a benchmark table."""

    name: str
    value: float | None
    unit: str
    runs: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class Check:
    """One target and whether this run met it: the figure, what it is held against (a limit or
    a peer measured in the same run) and their ratio, when the target is a ratio."""

    target: str
    measured: str
    met: bool | None  # None: could not be judged (not run)
    reference: str = ""  # the limit or peer, with its figure
    ratio: float | None = None
    earlier: bool = False  # a target of an earlier issue, kept for comparison


@dataclass
class Section:
    """One benchmark's results: rows, ratios, target checks and notes."""

    title: str
    rows: list[Row] = field(default_factory=list)
    ratios: list[tuple[str, float | None]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: str = ""
    seconds: float = 0.0
    load: str = ""  # load averages at its start and end

    def add(self, name: str, runs: list[float], unit: str, note: str = "") -> Row:
        """Record a measured figure as the median of its runs."""
        row = Row(name, median(runs), unit, list(runs), note)
        self.rows.append(row)
        return row

    def ratio(self, name: str, num: float | None, den: float | None) -> float | None:
        """Record a ratio of two medians (None when either is missing)."""
        value = (num / den) if num is not None and den else None
        self.ratios.append((name, value))
        return value

    def check(self, target: str, measured: str, met: bool | None, *, reference: str = "",
              ratio: float | None = None, earlier: bool = False) -> None:
        """Record whether a target was met."""
        self.checks.append(Check(target, measured, met, reference, ratio, earlier))

    def against(self, target: str, figure: Row, reference: Row | None, least: float) -> None:
        """A target `figure / reference >= least`, both measured in this run."""
        value = (figure.value / reference.value
                 if reference is not None and figure.value is not None and reference.value
                 else None)
        ref = f"{reference.name}: {fmt(reference.value, _digits(reference.unit))} " \
              f"{reference.unit}" if reference is not None else "not measured"
        self.check(target, f"{figure.name}: {fmt(figure.value, _digits(figure.unit))} "
                   f"{figure.unit}", None if value is None else value >= least,
                   reference=ref, ratio=value)

    def at_least(self, target: str, figure: Row, least: float, *,
                 reference: Row | None = None) -> None:
        """A target on a figure's own value (`>= least`), with its limit beside it if any."""
        ref, ratio = "", None
        if reference is not None:
            ref = f"{reference.name}: {fmt(reference.value, _digits(reference.unit))} " \
                  f"{reference.unit}"
            ratio = figure.value / reference.value if figure.value and reference.value else None
        self.check(target, f"{figure.name}: {fmt(figure.value, _digits(figure.unit))} "
                   f"{figure.unit}", None if figure.value is None else figure.value >= least,
                   reference=ref, ratio=ratio)

    def below(self, target: str, figure: Row, most: float) -> None:
        """A target on a figure's own value (`< most`)."""
        self.check(target, f"{figure.name}: {fmt(figure.value, _digits(figure.unit))} "
                   f"{figure.unit}", None if figure.value is None else figure.value < most)

    def not_run(self, what: str, reason: str) -> None:
        """Record a part that could not run, and why."""
        self.notes.append(f"NOT RUN: {what}: {reason}")


def median(values: list[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(values) if values else None


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of values."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def log(message: str) -> None:
    """Progress on stderr, timestamped."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, str]:
    """The machine this ran on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024} MiB"
    return {
        "cpus": str(os.cpu_count()), "cpu": cpu, "memory": mem,
        "python": platform.python_version(), "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a process in MB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def vm_rss_mb(pid: int) -> float | None:
    """Current resident memory (VmRSS) of a process in MB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


@contextlib.contextmanager
def nats_server(directory: Path) -> Iterator[NatsServer]:
    """A real nats-server with JetStream in `directory`, stopped at the end."""
    server = NatsServer(directory)
    server.start()
    if not wait_for_port(server.port, timeout=15):
        server.stop()
        raise RuntimeError("nats-server did not start")
    try:
        yield server
    finally:
        server.stop()


class ServiceProcess:
    """A service run as a real uvicorn process: `python -m licensing serve <name>`."""

    def __init__(self, name: str, data_dir: Path, nats_url: str,
                 env: dict[str, str] | None = None, tree: Path = ROOT) -> None:
        self.name = name
        self.tree = tree  # the source tree it runs from (another checkout, for an A/B)
        self.data_dir = data_dir
        self.nats_url = nats_url
        self.port = free_port()
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        """Start the process and wait until /health answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "LICENSING_DATA_DIR": str(self.data_dir),
               "LICENSING_NATS_URL": self.nats_url, "LICENSING_JWT_SECRET": TEST_SECRET,
               f"LICENSING_{self.name.upper()}_PORT": str(self.port), **self.env}
        logfile = open(self.data_dir / f"{self.name}.log", "ab")  # noqa: SIM115 - child keeps it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "licensing", "serve", self.name, "--log-level", "warning"],
            env={**env, "PYTHONPATH": str(self.tree)}, stdout=logfile,
            stderr=subprocess.STDOUT, cwd=self.tree)
        wait_healthy(self.url, self.proc)
        return self

    def hwm_mb(self) -> float | None:
        """Peak RSS so far."""
        return vm_hwm_mb(self.proc.pid) if self.proc else None

    def stop(self) -> None:
        """Stop the process."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Wait until GET /health answers 200, or fail if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages now (the machine is shared: figures are read
    beside them)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def run_async(coro: Any) -> Any:
    """Run a coroutine on a fresh event loop."""
    return asyncio.run(coro)


def _digits(unit: str) -> int:
    return 1 if unit in ("ms", "MB") else 0


def fmt(value: float | None, digits: int = 0) -> str:
    """A number for a table, or an en dash."""
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"
