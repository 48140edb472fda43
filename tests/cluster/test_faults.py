"""The system on a three-node JetStream cluster loses nothing and doubles nothing when the
stream leader is killed or cut off under load."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.support.load import Load
from tests.support.reconcile import reconcile, settle
from tests.support.system import System, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

APPLICATIONS = 500
RATE = 40.0  # applications per second: the load lasts about 12 seconds
PARTITION_SECONDS = 20.0


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
    print(f"\nleader kill: {rec.summary()}\nnew leader in {elected:.1f}s, load {result.seconds:.1f}s"
          f", retries {dict(result.retries)}, drained {drained:.1f}s after the load, "
          f"restarted node in sync {caught_up:.1f}s later, recovered {recovered:.1f}s after "
          "the kill")
    assert not result.rejected, result.rejected
    assert len(result.accepted) == APPLICATIONS
    assert rec.ok, rec.summary()


async def test_a_node_cut_off_past_the_client_timeouts_loses_and_doubles_nothing(
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
    # Held past every client timeout (bus pings 5 s x 2 outstanding, JetStream calls 5 s),
    # until every service is connected to one of the other nodes.
    async def cut_off_long_enough() -> bool:
        if time.monotonic() - paused < PARTITION_SECONDS:
            return False
        connected = {c for names in (await system.nats.clients()).values() for c in names}
        return set(system.services) <= connected

    await wait_for(cut_off_long_enough, timeout=PARTITION_SECONDS + 60,
                   what="every service to reconnect to the nodes still reachable")
    leader.resume()
    result = await running
    drained = await settle(system)
    caught_up = await system.nats.wait_in_sync()
    recovered = time.monotonic() - paused
    rec = await reconcile(system, result)
    print(f"\npartition: {rec.summary()}\nnew leader in {elected:.1f}s, load {result.seconds:.1f}s"
          f", retries {dict(result.retries)}, drained {drained:.1f}s after the load, "
          f"resumed node in sync {caught_up:.1f}s later, recovered {recovered:.1f}s after "
          "the cut")
    assert not result.rejected, result.rejected
    assert len(result.accepted) == APPLICATIONS
    assert rec.ok, rec.summary()
