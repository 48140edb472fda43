"""The system on a three-node JetStream cluster loses nothing and doubles nothing when the
stream leader is killed, or cut off, in the middle of a load of 500 applications.

Black-box: the four services run as processes and are driven over HTTP (tests.support.load);
afterwards the four services and the event log are reconciled (tests.support.reconcile). Each
test prints its figures (run with `-s` to see them).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.support.load import Load, LoadResult
from tests.support.reconcile import Reconciliation, reconcile, settle
from tests.support.system import System, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

APPLICATIONS = 500
RATE = 40.0  # applications per second
# Longer than any client timeout: the bus pings every 5 s and gives up after 2 unanswered
# (shared/bus.py), JetStream API calls and publishes time out after 5 s.
PARTITION_SECONDS = 20.0


def figures(fault: str, rec: Reconciliation, result: LoadResult, **seconds: float) -> str:
    """One paragraph of what a fault test measured."""
    timings = ", ".join(f"{name.replace('_', ' ')} {value:.1f}s" for name, value in
                        seconds.items())
    return (f"\n{fault}: {rec.summary()}\nload {result.seconds:.1f}s, retries "
            f"{dict(result.retries)}; {timings}")


async def test_killing_the_stream_leader_under_load_loses_and_doubles_nothing(
        cluster_system: System) -> None:
    system = cluster_system
    load = Load(system, count=APPLICATIONS, rate=RATE)
    running = asyncio.create_task(load.run())
    await load.wait_accepted(APPLICATIONS // 3)
    leader = await system.nats.leader()
    killed = time.monotonic()
    leader.kill()
    successor = await system.nats.leader()
    elected = time.monotonic() - killed
    assert successor is not leader
    await load.wait_accepted(2 * APPLICATIONS // 3)
    leader.start()
    result = await running
    drained = await settle(system)
    caught_up = await system.nats.wait_in_sync()
    recovered = time.monotonic() - killed
    rec = await reconcile(system, result)
    print(figures("leader killed", rec, result, new_leader_after=elected,
                  drained_after_the_load=drained, restarted_node_in_sync_after=caught_up,
                  recovered_after_the_kill=recovered))
    assert not result.rejected, result.rejected
    assert len(result.accepted) == APPLICATIONS
    assert rec.ok, rec.summary()


async def test_a_leader_cut_off_past_the_client_timeouts_loses_and_doubles_nothing(
        cluster_system: System) -> None:
    system = cluster_system
    load = Load(system, count=APPLICATIONS, rate=RATE)
    running = asyncio.create_task(load.run())
    await load.wait_accepted(APPLICATIONS // 3)
    leader = await system.nats.leader()
    paused = time.monotonic()
    leader.pause()
    successor = await system.nats.leader()
    elected = time.monotonic() - paused
    assert successor is not leader

    async def cut_off_long_enough() -> bool:
        # Past the client timeouts, and every service has given up on the node and moved on.
        if time.monotonic() - paused < PARTITION_SECONDS:
            return False
        connected = {c for names in (await system.nats.clients()).values() for c in names}
        return set(system.services) <= connected

    await wait_for(cut_off_long_enough, timeout=PARTITION_SECONDS + 60,
                   what="every service to reconnect to the nodes still reachable")
    held = time.monotonic() - paused
    leader.resume()
    result = await running
    drained = await settle(system)
    caught_up = await system.nats.wait_in_sync()
    recovered = time.monotonic() - paused
    rec = await reconcile(system, result)
    print(figures("leader cut off", rec, result, new_leader_after=elected,
                  cut_off_for=held, drained_after_the_load=drained,
                  resumed_node_in_sync_after=caught_up, recovered_after_the_cut=recovered))
    assert not result.rejected, result.rejected
    assert len(result.accepted) == APPLICATIONS
    assert rec.ok, rec.summary()
