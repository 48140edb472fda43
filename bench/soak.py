"""`python -m bench.soak [--minutes 10] [--rate 20]`: the system held at a steady rate.

Starts the four services as processes on one nats-server and SQLite (tests.support.system, in a
temporary directory), then for N minutes sends a steady mix of every kind of request: customs
posting applications (Idempotency-Key) and reading them back, assessors listing and deciding
cases, the lifecycle view and the annual report in reporting, the denials register, and each
service's `/metrics` and `/ready`. Every minute it prints the requests, the error rate (5xx and
connection errors), the latency p50/p95/p99 of that minute, and each service's RSS; at the end
the same for the whole run and the RSS growth from the first minute to the last. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.support.load import Load
from tests.support.system import SERVICES, System, running_system

KINDS = (  # (kind, weight)
    ("post application", 4), ("get application", 3), ("list cases", 2), ("decide case", 3),
    ("lifecycle", 2), ("annual report", 1), ("denials register", 1), ("metrics", 1),
    ("ready", 1),
)


def rss_mib(pid: int | None) -> float:
    """A process's resident set size in MiB (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of some values, in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


class Soak:
    """The mix of requests at a rate, with what each answered and how long it took."""

    def __init__(self, system: System, rate: float) -> None:
        self.system = system
        self.rate = rate
        self.load = Load(system, count=1)
        self.accepted: list[str] = []
        self.undecided: list[str] = []
        self.n = 0
        self.latencies: list[float] = []
        self.outcomes: Counter[str] = Counter()
        self.window: list[float] = []
        self.window_outcomes: Counter[str] = Counter()
        self.rss: list[dict[str, float]] = []

    async def request(self, clients: dict[str, httpx.AsyncClient], kind: str) -> None:
        started = time.monotonic()
        try:
            response = await self._send(clients, kind)
        except httpx.TransportError as exc:
            outcome = f"error {type(exc).__name__}"
        else:
            outcome = "5xx" if response is not None and response.status_code >= 500 else "ok"
        took = time.monotonic() - started
        for latencies, outcomes in ((self.latencies, self.outcomes),
                                    (self.window, self.window_outcomes)):
            latencies.append(took)
            outcomes[outcome] += 1

    async def _send(self, c: dict[str, httpx.AsyncClient], kind: str) -> httpx.Response | None:
        if kind == "post application":
            self.n += 1
            body = {**self.load.application(self.n % 5000),
                    "reference": f"SOAK-{uuid.uuid4().hex[:10]}"}
            r = await c["intake"].post("/v1/applications", json=body,
                                       headers={"Idempotency-Key": str(uuid.uuid4())})
            if r.status_code == 201:
                self.accepted.append(str(r.json()["id"]))
                self.undecided.append(self.accepted[-1])
            return r
        if kind == "get application" and self.accepted:
            return await c["intake"].get(f"/v1/applications/{random.choice(self.accepted)}")
        if kind == "list cases":
            return await c["assessment"].get("/v1/cases", params={"limit": 50})
        if kind == "decide case" and self.undecided:
            app = self.undecided.pop(0)
            r = await c["assessment"].post(f"/v1/cases/{app}/decision", json={
                "outcome": "approve", "note": "soak", "decided_at": "2024-06-01T10:00:00Z"})
            if r.status_code == 409:  # not screened yet: later
                self.undecided.append(app)
            return r
        if kind == "lifecycle" and self.accepted:
            return await c["reporting"].get(f"/v1/streams/{random.choice(self.accepted)}")
        if kind == "annual report":
            return await c["reporting"].get("/v1/reports/annual/2024")
        if kind == "denials register":
            return await c["denials"].get("/v1/denials", params={"state": "NL", "limit": 50})
        if kind == "metrics":
            return await c[random.choice(SERVICES)].get("/metrics")
        if kind == "ready":
            return await c[random.choice(SERVICES)].get("/ready")
        return None

    def minute(self, label: str) -> None:
        rss = {name: rss_mib(s.pid) for name, s in self.system.services.items()}
        self.rss.append(rss)
        total = sum(self.window_outcomes.values())
        errors = total - self.window_outcomes["ok"]
        print(f"{label}: {total} requests, errors {errors} ({100 * errors / max(total, 1):.2f}%)"
              f", p50 {percentile(self.window, 50):.0f} ms, p95 {percentile(self.window, 95):.0f}"
              f" ms, p99 {percentile(self.window, 99):.0f} ms, RSS MiB "
              + ", ".join(f"{k} {v:.0f}" for k, v in rss.items()), flush=True)
        self.window, self.window_outcomes = [], Counter()

    async def run(self, minutes: float) -> None:
        roles: dict[str, tuple[str, ...]] = {
            "intake": ("customs",), "assessment": ("assessor", "mfa"),
            "denials": ("assessor",), "reporting": ("reporter", "admin")}
        clients = {name: self.system.client(name, *roles[name], timeout=30.0)
                   for name in SERVICES}
        kinds = [k for k, w in KINDS for _ in range(w)]
        tasks: set[asyncio.Task[Any]] = set()
        begin = time.monotonic()
        end = begin + 60 * minutes
        next_minute = begin + 60
        i = 0
        try:
            while time.monotonic() < end:
                due = begin + i / self.rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                task = asyncio.create_task(self.request(clients, kinds[i % len(kinds)]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                i += 1
                if time.monotonic() >= next_minute:
                    self.minute(f"minute {round((next_minute - begin) / 60)}")
                    next_minute += 60
            await asyncio.gather(*tasks)
            if self.window:
                self.minute("last part")
        finally:
            for client in clients.values():
                await client.aclose()
        total = sum(self.outcomes.values())
        errors = total - self.outcomes["ok"]
        first, last = self.rss[0], self.rss[-1]
        print(f"\nwhole run ({minutes:g} min at {self.rate:g}/s): {total} requests, errors "
              f"{errors} ({100 * errors / max(total, 1):.2f}%: {dict(self.outcomes)}), p50 "
              f"{percentile(self.latencies, 50):.0f} ms, p95 "
              f"{percentile(self.latencies, 95):.0f} ms, p99 "
              f"{percentile(self.latencies, 99):.0f} ms; applications accepted "
              f"{len(self.accepted)}; RSS growth first to last minute (MiB) "
              + ", ".join(f"{k} {last[k] - first[k]:+.0f}" for k in first), flush=True)


async def main(minutes: float, rate: float) -> None:
    with tempfile.TemporaryDirectory(prefix="soak-") as directory:
        async with running_system(Path(directory), nodes=1, replicas=1) as system:
            await Soak(system, rate).run(minutes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    args = parser.parse_args()
    asyncio.run(main(args.minutes, args.rate))
