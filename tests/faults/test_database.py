"""A service's database locked past its busy timeout under load: requests answer 503
problem+json with Retry-After (the load retries them with the same Idempotency-Key), `/ready`
answers 503 while it lasts, and the service recovers by itself once the lock is gone."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from tests.faults.faults import (
    APPLICATIONS,
    BUSY_TIMEOUT,
    RATE,
    check,
    figures,
    server_errors,
)
from tests.harness import locked
from tests.support.load import Load
from tests.support.reconcile import reconcile, settle
from tests.support.system import System, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

LOCKED_SECONDS = 8.0


@pytest.mark.parametrize("name", ["intake", "assessment"])
async def test_a_locked_database_answers_503_and_recovers_by_itself(system: System,
                                                                   name: str) -> None:
    service = system.services[name]
    load = Load(system, count=APPLICATIONS, rate=RATE)
    running = asyncio.create_task(load.run())
    await load.wait_accepted(APPLICATIONS // 3)
    roles = ("customs",) if name == "intake" else ("assessor", "mfa")
    async with system.client(name, *roles, timeout=30.0) as client, \
            httpx.AsyncClient(base_url=service.url, timeout=10.0) as probe:
        with locked(system.data_dir / f"{name}.db"):
            began = time.monotonic()
            await asyncio.sleep(BUSY_TIMEOUT)
            answer = await _write(client, name, load) if name == "intake" else None
            ready = await probe.get("/ready")
            also = await probe.get("/health")  # the same connection: not closed
            await asyncio.sleep(max(0.0, LOCKED_SECONDS - (time.monotonic() - began)))
            held = time.monotonic() - began
        released = time.monotonic()
        if answer is not None:
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert int(answer.headers["retry-after"]) >= 1
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["database"].startswith("unavailable")
        assert also.status_code == 200

        async def ready_again() -> bool:
            return (await probe.get("/ready")).status_code == 200

        await wait_for(ready_again, timeout=30, what=f"{name} to be ready again")
        ready_after = time.monotonic() - released
    result = await running
    drained = await settle(system)
    rec = await reconcile(system, result)
    print(figures(f"{name}'s database locked", rec, result, locked_for=held,
                  ready_again_after_the_lock=ready_after, drained_after_the_load=drained))
    check(rec, result)
    # The load met the lock as 503s (posts to intake, or decisions in assessment) and retried.
    assert server_errors(result) > 0, result.retries
    assert "Traceback" not in service.log_tail(200_000), "an error was logged as a crash"


async def _write(client: httpx.AsyncClient, name: str, load: Load) -> httpx.Response:
    """A command that needs intake's database to take a write: an application of no load's
    (its reference is its own, so the reconciliation never sees it)."""
    body = {**load.application(0), "reference": f"PROBE-{uuid.uuid4().hex[:8]}"}
    return await client.post("/v1/applications", json=body,
                             headers={"Idempotency-Key": str(uuid.uuid4())})
