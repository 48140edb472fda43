"""`licensing up --replicas`: two processes of assessment and two of reporting sharing each
service's database and durable consumers: every application one case, counted once."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Awaitable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.cli.conftest import Up, start_up
from tests.cli.test_supervisor import submit
from tests.e2e.conftest import wait_until
from tests.harness import create_postgres_database, postgres_url

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
APPLICATIONS = 60


@dataclass
class Replicated:
    """A system with two assessment and two reporting processes, every application decided."""

    up: Up
    ids: set[str]
    second: dict[str, str]  # the second process's URL of assessment and reporting
    tokens: dict[str, str]

    def both(self, service: str) -> tuple[str, str]:
        """The URLs of a service's two processes."""
        return self.up.url(service), self.second[service]


def approve(url: str, case_id: str, token: str, attempts: int = 5) -> httpx.Response:
    """Approve a case on one assessment process; a 503 is retried after its Retry-After, as a
    client does (two writers on PostgreSQL may deadlock, and the server rolls one back)."""
    for _attempt in range(attempts):
        answer = httpx.post(f"{url}/v1/cases/{case_id}/decision", timeout=60,
                            json={"outcome": "approve", "note": "replicas",
                                  "decided_at": "2024-03-12T10:00:00+01:00"},
                            headers={"Authorization": f"Bearer {token}"})
        if answer.status_code != 503:
            break
        time.sleep(float(answer.headers["Retry-After"]))
    return answer


async def _done(work: Awaitable[None]) -> None:
    await work


def processed(url: str, consumer: str) -> int:
    """How many events this process's consumer took from the log."""
    metrics = httpx.get(f"{url}/metrics", timeout=5).text
    found = re.search(rf'licensing_consumer_events_total\{{consumer="{consumer}",'
                      rf'outcome="processed"\}} (\d+)', metrics)
    return int(found.group(1)) if found else 0


def cases(url: str, token: str, **only: str) -> list[str]:
    """The ids of every case one assessment process lists."""
    found: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200, **only, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{url}/v1/cases", params=params, timeout=10,
                         headers={"Authorization": f"Bearer {token}"}).json()
        found += [c["id"] for c in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                               marks=pytest.mark.postgres)])
def replicated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Replicated]:
    """`licensing up --replicas assessment=2 --replicas reporting=2`, fed and decided."""
    databases: dict[str, str] = {}
    drops = []
    if request.param == "postgresql":
        base = postgres_url()
        if base is None:
            pytest.skip("set LICENSING_TEST_POSTGRES_URL to run the PostgreSQL tests")
        for service in ("assessment", "reporting"):
            url, drop = asyncio.run(create_postgres_database(base))
            databases[f"LICENSING_{service.upper()}_DB"] = url
            drops.append(drop)
    up = start_up(tmp_path_factory.mktemp("project"), "--replicas", "assessment=2",
                  "--replicas", "reporting=2", env=databases)
    try:
        second = {s: f"http://127.0.0.1:{up.ports[s] + 100}" for s in ("assessment", "reporting")}
        tokens = {role: up.token(role) for role in ("customs", "assessor", "reporter")}
        with ThreadPoolExecutor(max_workers=6) as pool:
            ids = set(pool.map(lambda _n: submit(up, tokens["customs"]), range(APPLICATIONS)))
        # Screened (by either process) before they can be decided.
        wait_until(lambda: len(cases(up.url("assessment"), tokens["assessor"],
                                     screening="completed")) == APPLICATIONS,
                   timeout=120, interval=0.5)

        def decide(pair: tuple[int, str]) -> str:
            # Half on each process, both writing to one database at once.
            n, case_id = pair
            answer = approve((up.url("assessment"), second["assessment"])[n % 2], case_id,
                             tokens["assessor"])
            return "ok" if answer.status_code == 200 else answer.text

        # Both processes decide at once from the start: the first licence number of a year
        # (its counter row) is taken by an upsert, so the two never race on it.
        with ThreadPoolExecutor(max_workers=6) as pool:
            assert set(pool.map(decide, enumerate(sorted(ids)))) == {"ok"}
        yield Replicated(up, ids, second, tokens)
    finally:
        code = up.stop(signal.SIGTERM)
        for drop in drops:
            asyncio.run(_done(drop()))
    assert code == 0


def test_status_shows_every_replica_on_its_port(replicated: Replicated) -> None:
    said = "".join(replicated.up.said)
    shown = replicated.up.run("status")
    assert shown.returncode == 0, shown.stdout
    for service, url in replicated.second.items():
        assert f"{service}#2" in said and url in said
        [line] = [row for row in shown.stdout.splitlines() if row.startswith(f"{service}#2 ")]
        assert "ready" in line and url in line


def test_each_application_opens_one_case_whichever_process_took_it(
        replicated: Replicated) -> None:
    for url in replicated.both("assessment"):
        listed = cases(url, replicated.tokens["assessor"], status="decided")
        assert sorted(listed) == sorted(replicated.ids)
    split = [processed(url, "assessment") for url in replicated.both("assessment")]
    print(f"intake events taken by each assessment process: {split}")
    assert sum(split) >= APPLICATIONS
    # Every stored event reached the log: two relays on one outbox lost none (on SQLite they
    # did while a relay deleted "every id up to its last", and ids of an emptied table are
    # reused).
    verify = replicated.up.run("verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _summary(replicated: Replicated, url: str) -> dict[str, str]:
    done = replicated.up.run("report", "2024", "--format", "csv", "--table",
                             "military.summary", "--url", url,
                             "--token", replicated.tokens["reporter"])
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.splitlines()
    return dict(zip(header.split(","), row.split(","), strict=True))


def test_both_reporting_processes_count_every_application_once(replicated: Replicated) -> None:
    everything = str(APPLICATIONS)

    def counted() -> bool:
        return all(_summary(replicated, url)["approved"] == everything
                   for url in replicated.both("reporting"))

    wait_until(counted, timeout=60, interval=0.5)
    for url in replicated.both("reporting"):
        summary = _summary(replicated, url)
        assert summary["applications"] == summary["approved"] == everything
