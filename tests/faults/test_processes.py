"""Processes dying or freezing under load: each service SIGKILLed in turn and restarted, the
nats-server killed and restarted, the nats-server stopped (SIGSTOP) past every client timeout
and resumed. Nothing accepted is lost, nothing is doubled, every chain is intact."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.faults import APPLICATIONS, RATE, check, figures
from tests.support.load import Load
from tests.support.reconcile import reconcile, settle
from tests.support.system import SERVICES, System, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

# Longer than any client timeout: the bus pings every 5 s and gives up after 2 unanswered
# (shared/bus.py); JetStream API calls and publishes time out after 5 s.
STOPPED_SECONDS = 15.0


async def test_each_service_killed_in_turn_mid_load_loses_and_doubles_nothing(
        system: System) -> None:
    load = Load(system, count=APPLICATIONS, rate=RATE)
    running = asyncio.create_task(load.run())
    began = time.monotonic()
    back: dict[str, float] = {}
    for i, name in enumerate(SERVICES):
        await load.wait_accepted((i + 1) * APPLICATIONS // (len(SERVICES) + 1))
        service = system.services[name]
        killed = time.monotonic()
        service.kill()
        await asyncio.sleep(1.0)
        service.start()
        await service.wait_ready()
        back[f"{name}_ready_after_kill"] = time.monotonic() - killed
    result = await running
    drained = await settle(system)
    rec = await reconcile(system, result)
    print(figures("each service SIGKILLed in turn", rec, result, **back,
                  drained_after_the_load=drained, whole_test=time.monotonic() - began))
    check(rec, result)


async def test_the_nats_server_killed_and_restarted_mid_load_loses_and_doubles_nothing(
        system: System) -> None:
    load = Load(system, count=APPLICATIONS, rate=RATE)
    running = asyncio.create_task(load.run())
    await load.wait_accepted(APPLICATIONS // 3)
    node = system.nats.nodes[0]
    killed = time.monotonic()
    node.kill()
    await asyncio.sleep(5.0)
    node.start()
    await _all_connected(system)
    reconnected = time.monotonic() - killed
    result = await running
    drained = await settle(system)
    recovered = time.monotonic() - killed
    rec = await reconcile(system, result)
    print(figures("nats-server SIGKILLed for 5 s", rec, result,
                  services_reconnected_after_the_kill=reconnected,
                  drained_after_the_load=drained, recovered_after_the_kill=recovered))
    check(rec, result)


async def test_the_nats_server_stopped_past_the_client_timeouts_loses_and_doubles_nothing(
        system: System) -> None:
    load = Load(system, count=APPLICATIONS, rate=RATE)
    running = asyncio.create_task(load.run())
    await load.wait_accepted(APPLICATIONS // 3)
    node = system.nats.nodes[0]
    paused = time.monotonic()
    node.pause()

    async def noticed() -> bool:
        # Every service has given up on the frozen server (its /ready says NATS is away).
        return all(await asyncio.gather(*(_not_ready(s.url) for s in system.services.values())))

    await wait_for(noticed, timeout=60, what="every service to notice NATS is away")
    noticed_after = time.monotonic() - paused
    await asyncio.sleep(max(0.0, STOPPED_SECONDS - (time.monotonic() - paused)))
    held = time.monotonic() - paused
    node.resume()
    resumed = time.monotonic()
    await _all_connected(system)
    reconnected = time.monotonic() - resumed
    result = await running
    drained = await settle(system)
    recovered = time.monotonic() - resumed
    rec = await reconcile(system, result)
    print(figures("nats-server SIGSTOPped", rec, result, every_service_noticed_after=noticed_after,
                  stopped_for=held, services_reconnected_after_the_resume=reconnected,
                  drained_after_the_load=drained, recovered_after_the_resume=recovered))
    check(rec, result)


async def _not_ready(url: str) -> bool:
    import httpx

    try:
        async with httpx.AsyncClient(base_url=url, timeout=3.0) as client:
            r = await client.get("/ready")
    except httpx.HTTPError:
        return False
    return r.status_code == 503 and r.json()["checks"]["nats"] != "ok"


async def _all_connected(system: System, timeout: float = 60.0) -> None:
    async def connected() -> bool:
        try:
            names = {c for clients in (await system.nats.clients()).values() for c in clients}
        except Exception:  # noqa: BLE001 - the server is still starting
            return False
        return set(system.services) <= names

    await wait_for(connected, timeout=timeout, what="every service to reconnect to NATS")
