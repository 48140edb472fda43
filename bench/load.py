"""A real HTTP load generator: httpx AsyncClient with concurrent workers, or a fixed rate."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.common import percentile


@dataclass
class LoadResult:
    """What one load run saw."""

    sent: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    sent_at: dict[str, float] = field(default_factory=dict)  # response id -> send time
    first_problem: str = ""

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        ok = sum(n for s, n in self.statuses.items() if 200 <= s < 300)
        return ok / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float | None:
        """Latency percentile in milliseconds."""
        value = percentile(self.latencies, q)
        return value * 1000 if value is not None else None


OPEN = 32  # httpx's pool itself slows down badly with more connections busy at once
Request = Callable[[int], tuple[dict[str, Any], dict[str, str]]]


async def _send(client: httpx.AsyncClient, url: str, make: Request, i: int,
                result: LoadResult, due: float | None = None) -> None:
    body, headers = make(i)
    # At a fixed rate, time counts from when the request was due, not when a connection was
    # free: a slow server must not hide its queue (coordinated omission).
    started = due if due is not None else time.perf_counter()
    try:
        response = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError:
        result.errors += 1
        return
    result.latencies.append(time.perf_counter() - started)
    result.statuses[response.status_code] += 1
    if 200 <= response.status_code < 300:
        app_id = response.json().get("id")
        if app_id:
            result.sent_at[app_id] = started
    elif not result.first_problem:
        result.first_problem = f"{response.status_code}: {response.text[:300]}"


async def closed_loop(url: str, make: Request, total: int, concurrency: int = 32,
                      first: int = 0) -> LoadResult:
    """`concurrency` workers, each sending its next request when the last one is answered."""
    result = LoadResult()
    counter = iter(range(first, first + total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:

        async def worker() -> None:
            for i in counter:
                await _send(client, url, make, i, result)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    result.sent = total
    return result


async def fixed_rate(url: str, make: Request, total: int, rate: float,
                     first: int = 0) -> LoadResult:
    """Send `total` requests at `rate` per second, whatever the answers take.

    At most `OPEN` requests are in flight (measured here: with 128 busy connections the httpx
    client took most of a core and delivered under half the requests of 32 to the same server);
    the rest wait their turn, and their latency counts from when they were due.
    """
    result = LoadResult()
    limits = httpx.Limits(max_connections=OPEN, max_keepalive_connections=OPEN)
    gate = asyncio.Semaphore(OPEN)

    async def one(n: int, due: float) -> None:
        async with gate:
            await _send(client, url, make, first + n, result, due=due)

    async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:
        started = time.perf_counter()
        tasks = []
        for n in range(total):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(n, due)))
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - started
    result.sent = total
    return result
