"""`licensing status`: each service's health, consumer lag, dead letters and restarts.

When a `licensing up` runs on the data dir, every process it supervises is shown (each replica,
and NATS) with its restarts, from DATA_DIR/up.json; otherwise each service at its configured
URL. Then each NATS server, and the event-log stream's leader and replicas.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from licensing.cluster_status import cluster_status
from licensing.nats_server import wait_for_port
from licensing.runstate import ProcessState, RunState, read_state
from licensing.settings import cli_settings
from shared.topology import SERVICES

METRIC = re.compile(r'^(licensing_[a-z_]+)\{([^}]*)\} (\S+)$')
HEADER = (f"{'process':<13} {'ready':<10} {'nats':<5} {'outbox':>7} {'lag':>7} {'dead':>6} "
          f"{'handled':>8} {'restarts':>8}  url")
# `handled` is what this process's consumers took from the log: replicas of one service share
# their durable consumers, so each shows its part of the work.


def _probe(url: str) -> tuple[str, dict[str, float]]:
    """A service's readiness in a word, and its metrics summed by name."""
    ready = httpx.get(f"{url}/ready", timeout=3.0)
    metrics = httpx.get(f"{url}/metrics", timeout=5.0).text
    values: dict[str, float] = {}
    for line in metrics.splitlines():
        match = METRIC.match(line)
        if match:
            name = match.group(1)
            if name == "licensing_consumer_events_total" and 'outcome="processed"' not in \
                    match.group(2):
                continue
            values[name] = values.get(name, 0) + float(match.group(3))
    return ("ready" if ready.status_code == 200 else "NOT READY"), values


def _restarts(process: ProcessState | None) -> str:
    return str(process.restarts) if process else "-"


def _why(process: ProcessState | None) -> str:
    if process is None or not process.last_exit:
        return ""
    return f"  (last: {process.last_exit} at {process.last_exit_at}; now {process.state})"


def _service_line(name: str, url: str, process: ProcessState | None) -> tuple[str, bool]:
    try:
        state, values = _probe(url)
    except httpx.HTTPError as exc:
        doing = process.state if process and process.state != "running" else "DOWN"
        return (f"{name:<13} {doing.upper():<10} {'-':<5} {'-':>7} {'-':>7} {'-':>6} {'-':>8} "
                f"{_restarts(process):>8}  {url} ({exc}){_why(process)}", False)
    nats = "up" if values.get("licensing_nats_connected") else "down"
    return (f"{name:<13} {state:<10} {nats:<5} "
            f"{int(values.get('licensing_outbox_pending', 0)):>7} "
            f"{int(values.get('licensing_consumer_lag', 0)):>7} "
            f"{int(values.get('licensing_dead_letters', 0)):>6} "
            f"{int(values.get('licensing_consumer_events_total', 0)):>8} "
            f"{_restarts(process):>8}  {url}{_why(process)}", state == "ready")


def _nats_line(process: ProcessState) -> tuple[str, bool]:
    port = int(process.url.rsplit(":", 1)[1])
    up = wait_for_port(port, timeout=1.0)
    return (f"{'nats':<13} {'up' if up else 'DOWN':<10} {'-':<5} {'-':>7} {'-':>7} {'-':>6} "
            f"{'-':>8} {process.restarts:>8}  {process.url}{_why(process)}", up)


def run_status(data_dir: Path | None = None) -> int:
    """Print one line per process; non-zero when any is down or not ready."""
    settings = cli_settings()
    run: RunState | None = read_state(data_dir if data_dir is not None else settings.data_dir)
    if run is not None and not run.alive:
        if run.state == "gave up" and run.reason:
            print(f"the last `licensing up` on {run.data_dir} gave up: "
                  f"{run.reason.splitlines()[0]}")
        run = None
    print(HEADER)
    healthy = True
    if run is not None:
        for process in run.processes:
            if process.service is None:
                line, ok = _nats_line(process)
            else:
                line, ok = _service_line(process.name, process.url, process)
            print(line)
            healthy = healthy and ok
    else:
        for name in SERVICES:
            line, ok = _service_line(name, settings.url(name), None)
            print(line)
            healthy = healthy and ok
    # NATS as JetStream sees it: the `licensing up`'s own, else the configured servers.
    nats = cluster_status([run.nats_url] if run is not None else None)
    return 0 if healthy and nats == 0 else 1
