"""A steady load of applications through the running system, as customs and assessors drive it.

    load = Load(system, count=500, rate=40.0)
    task = asyncio.create_task(load.run())
    await load.wait_accepted(150)            # a third in: break something here
    ...
    result = await task                      # every application posted and every case decided

Each application is posted to intake with its own Idempotency-Key; a 502/503/504/429 or a
connection error (refused, reset, timed out) is retried with the same key and body until
intake answers 201 or 200 (then the application is *accepted*, and its id recorded), so an
application whose first answer was lost is never posted twice under two keys. Alongside, a
decider lists the open, screened cases in assessment and decides the load's own: every
`deny_every`-th application is denied (so denials registers it), the others approved (so a
licence is issued and intake learns of it). A 409 on a decision is looked into (the case may be
decided already, by an earlier attempt whose answer was lost) and otherwise retried.

All applications are military exports to NATO destinations, received and decided in `year`
(a past year), so the annual report's `military.summary` of that year counts exactly them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.system import System

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
DESTINATIONS = ("NO", "DE", "FR", "BE", "US", "GB", "PL", "CA", "DK", "IT")
RATINGS = ("ML1", "ML3a", "ML4b", "ML5a", "ML6", "ML10c", "ML11", "ML13")


@dataclass
class Application:
    """One application of the load: what was sent, and what intake answered."""

    n: int
    key: str
    body: dict[str, Any]
    outcome: str  # "approve" | "deny": what the decider will decide
    id: str | None = None
    attempts: int = 0
    decided: bool = False
    given_up: bool = False  # a decision refused for good (recorded in `rejected`)


@dataclass
class LoadResult:
    """What the load did: accepted applications by id, and how often it had to retry."""

    applications: list[Application]
    accepted: dict[str, Application]
    decided: int
    retries: Counter[str] = field(default_factory=Counter)
    rejected: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def approved(self) -> int:
        """Accepted applications the load approved."""
        return sum(1 for a in self.accepted.values() if a.outcome == "approve")

    @property
    def denied(self) -> int:
        """Accepted applications the load denied."""
        return sum(1 for a in self.accepted.values() if a.outcome == "deny")


class Load:
    """Posts `count` applications at `rate` per second and decides every case they open."""

    def __init__(self, system: System, *, count: int = 500, rate: float = 40.0,
                 concurrency: int = 16, deny_every: int = 5, year: int = 2024,
                 deadline: float = 240.0, tag: str | None = None) -> None:
        self.system = system
        self.count = count
        self.rate = rate
        self.concurrency = concurrency
        self.year = year
        self.deadline = deadline
        self.tag = tag or uuid.uuid4().hex[:8]
        self.retries: Counter[str] = Counter()
        self.rejected: dict[int, str] = {}
        self.applications = [
            Application(n=n, key=f"load-{self.tag}-{n:05d}", body=self.application(n),
                        outcome="deny" if deny_every and n % deny_every == deny_every - 1
                        else "approve")
            for n in range(count)]
        self.accepted: dict[str, Application] = {}
        self._accepted_changed = asyncio.Event()
        self._posting_done = False

    def application(self, n: int) -> dict[str, Any]:
        """The n-th application: a military export to a NATO destination, received in `year`."""
        destination = DESTINATIONS[n % len(DESTINATIONS)]
        received = dt.datetime(self.year, 3, 1, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=7 * n)
        return {
            "reference": f"LOAD-{self.tag}-{n:05d}",
            "received_at": received.isoformat(),
            "regime": "military", "transaction": "export", "licence_type": "individual",
            "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
            "destinations": [destination],
            "end_user": {"name": f"Armed Forces of {destination}", "country": destination,
                         "type": "armed_forces"},
            "end_use": "national defence",
            "goods": [{"description": "military equipment", "rating": RATINGS[n % len(RATINGS)],
                       "quantity": 1 + n % 7, "value_eur": f"{10_000 + 37 * n}.50"}],
        }

    def decided_at(self, app: Application) -> str:
        """When the assessor decided: three weeks after receipt, within the same year."""
        received = dt.datetime.fromisoformat(app.body["received_at"])
        return (received + dt.timedelta(days=21)).isoformat()

    async def wait_accepted(self, n: int, timeout: float = 120.0) -> None:
        """Until at least `n` applications are accepted (or posting ended)."""
        async with asyncio.timeout(timeout):
            while len(self.accepted) < n and not self._posting_done:
                self._accepted_changed.clear()
                await self._accepted_changed.wait()

    async def run(self) -> LoadResult:
        """Post everything at the rate, decide every accepted application; the result."""
        started = time.monotonic()
        async with self.system.client("intake", "customs", timeout=10.0) as intake, \
                self.system.client("assessment", "assessor", "mfa", timeout=10.0) as assessment:
            decider = asyncio.create_task(self._decide_all(assessment))
            try:
                await self._post_all(intake)
                await decider
            finally:
                decider.cancel()
        return LoadResult(applications=self.applications, accepted=dict(self.accepted),
                          decided=sum(a.decided for a in self.accepted.values()),
                          retries=self.retries, rejected=self.rejected,
                          seconds=time.monotonic() - started)

    async def _post_all(self, intake: httpx.AsyncClient) -> None:
        gate = asyncio.Semaphore(self.concurrency)
        begin = time.monotonic()

        async def post(app: Application) -> None:
            async with gate:
                await self._post(intake, app)

        tasks = []
        for app in self.applications:
            # A fixed schedule: a slow answer does not slow the ones due after it.
            due = begin + app.n / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(app)))
        try:
            await asyncio.gather(*tasks)
        finally:
            self._posting_done = True
            self._accepted_changed.set()

    async def _post(self, intake: httpx.AsyncClient, app: Application) -> None:
        deadline = time.monotonic() + self.deadline
        pause = 0.2
        while time.monotonic() < deadline:
            app.attempts += 1
            try:
                response = await intake.post("/v1/applications", json=app.body,
                                             headers={"Idempotency-Key": app.key})
            except httpx.TransportError as exc:
                self.retries[type(exc).__name__] += 1
            else:
                if response.status_code in (200, 201):
                    app.id = str(response.json()["id"])
                    self.accepted[app.id] = app
                    self._accepted_changed.set()
                    return
                if response.status_code not in RETRY_STATUSES:
                    self.rejected[app.n] = f"{response.status_code} {response.text[:300]}"
                    return
                self.retries[f"HTTP {response.status_code}"] += 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)
        self.rejected[app.n] = "no answer before the deadline"

    async def _decide_all(self, assessment: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + self.deadline
        gate = asyncio.Semaphore(self.concurrency)
        while time.monotonic() < deadline:
            undecided = [a for a in self.accepted.values() if not a.decided and not a.given_up]
            if self._posting_done and not undecided:
                return
            try:
                ready = await self._screened_open_cases(assessment)
            except (httpx.TransportError, httpx.HTTPStatusError, ValueError) as exc:
                self.retries[f"list cases: {type(exc).__name__}"] += 1
                ready = set()
            batch = [a for a in undecided if a.id in ready]

            async def decide(app: Application) -> None:
                async with gate:
                    await self._decide(assessment, app)

            await asyncio.gather(*(decide(a) for a in batch))
            if not batch:
                await asyncio.sleep(0.3)
        log.warning("the decider ran out of time with %d cases undecided",
                    sum(not a.decided for a in self.accepted.values()))

    async def _screened_open_cases(self, assessment: httpx.AsyncClient) -> set[str]:
        ids: set[str] = set()
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"status": "open", "screening": "completed", "limit": 500}
            if cursor:
                params["cursor"] = cursor
            response = (await assessment.get("/v1/cases", params=params)).raise_for_status()
            page = response.json()
            ids.update(str(item["id"]) for item in page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return ids

    async def _decide(self, assessment: httpx.AsyncClient, app: Application) -> None:
        body: dict[str, Any] = {"outcome": app.outcome, "note": "decided by the load",
                                "decided_at": self.decided_at(app)}
        if app.outcome == "deny":
            body["criteria"] = [1]
        try:
            response = await assessment.post(f"/v1/cases/{app.id}/decision", json=body)
            if response.status_code == 200:
                app.decided = True
                return
            if response.status_code == 409:
                # Perhaps decided by an earlier attempt whose answer was lost: look.
                case = await assessment.get(f"/v1/cases/{app.id}")
                if case.status_code == 200 and case.json().get("status") == "decided":
                    app.decided = True
                    return
            if response.status_code in RETRY_STATUSES or response.status_code == 409:
                self.retries[f"decision HTTP {response.status_code}"] += 1
            else:
                self.rejected[app.n] = (f"decision {response.status_code} "
                                        f"{response.text[:300]}")
                app.given_up = True
        except httpx.TransportError as exc:
            self.retries[f"decision {type(exc).__name__}"] += 1
