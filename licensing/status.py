"""`licensing status`: each service's health, consumer lag and dead letters."""

from __future__ import annotations

import re

import httpx

from licensing.settings import cli_settings
from shared.topology import SERVICES

METRIC = re.compile(r'^(licensing_[a-z_]+)\{([^}]*)\} (\S+)$')


def run_status() -> int:
    """Print one line per service; non-zero when any is down or not ready."""
    topology = cli_settings()
    worst = 0
    print(f"{'service':<11} {'ready':<10} {'nats':<5} {'outbox':>7} {'lag':>7} {'dead':>6}  url")
    for name in SERVICES:
        url = topology.url(name)
        try:
            ready = httpx.get(f"{url}/ready", timeout=3.0)
            metrics = httpx.get(f"{url}/metrics", timeout=5.0).text
        except httpx.HTTPError as exc:
            print(f"{name:<11} {'DOWN':<10} {'-':<5} {'-':>7} {'-':>7} {'-':>6}  {url} ({exc})")
            worst = 1
            continue
        values: dict[str, float] = {}
        for line in metrics.splitlines():
            match = METRIC.match(line)
            if match:
                values[match.group(1)] = values.get(match.group(1), 0) + float(match.group(3))
        state = "ready" if ready.status_code == 200 else "NOT READY"
        worst = worst or (0 if ready.status_code == 200 else 1)
        print(f"{name:<11} {state:<10} "
              f"{'up' if values.get('licensing_nats_connected') else 'down':<5} "
              f"{int(values.get('licensing_outbox_pending', 0)):>7} "
              f"{int(values.get('licensing_consumer_lag', 0)):>7} "
              f"{int(values.get('licensing_dead_letters', 0)):>6}  {url}")
    return worst
