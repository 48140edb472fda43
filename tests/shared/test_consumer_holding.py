"""What a consumer holds: long work is not handed to another replica meanwhile, a clean stop
gives back at once what it fetched and did not settle, and a payload its contract cannot read is
a dead letter even for a consumer that would not have handled it. Real nats-server, real SQLite."""

from __future__ import annotations

import asyncio
import time

import nats
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import ensure_stream
from shared.clock import utcnow
from shared.consumer import ACK_WAIT, ConsumerSpec
from shared.contracts import Event
from shared.envelope import Actor, Envelope, new_event_id
from shared.service import Runtime
from tests.harness import NatsServer, eventually
from tests.sample_contracts import Counted


def envelope(n: int, event_type: str = "Counted", payload: dict[str, object] | None = None,
             version: int = 1) -> Envelope:
    return Envelope(event_id=new_event_id(), type=event_type, version=version, source="producer",
                    stream_id=f"s{n}", stream_version=1, occurred_at=utcnow(),
                    recorded_at=utcnow(), actor=Actor(sub="t"), correlation_id="c",
                    payload=payload if payload is not None else {"n": n}).sealed()


async def publish(url: str, envs: list[Envelope]) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, "LICENSING")
        for env in envs:
            await js.publish(env.subject, env.to_json().encode(),
                             headers={"Nats-Msg-Id": env.event_id})
    finally:
        await nc.close()


async def consumer_state(url: str, name: str) -> tuple[int, int, int]:
    """(pending, unacknowledged, redelivered) of a durable consumer, as JetStream sees it."""
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().consumer_info("LICENSING", name)
    finally:
        await nc.close()
    return int(info.num_pending or 0), int(info.num_ack_pending or 0), int(info.num_redelivered)


async def effects(runtime: Runtime) -> list[int]:
    async with runtime.sessions() as session:
        return sorted(r[0] for r in await session.execute(text("SELECT n FROM effects")))


def spec(runtime: Runtime, *, delay: float = 0.0, gate: asyncio.Event | None = None,
         seen: list[int] | None = None, ack_wait: float = ACK_WAIT) -> ConsumerSpec:
    table = runtime.metadata.tables["effects"]

    async def count(session: AsyncSession, event: Event[Counted]) -> None:
        if seen is not None:
            seen.append(event.payload.n)
        if gate is not None:
            await gate.wait()
        await asyncio.sleep(delay)
        await session.execute(insert(table).values(event_id=event.event_id, n=event.payload.n))

    return ConsumerSpec(name="counter", subjects=["lic.producer.>"], handlers={Counted: count},
                        ack_wait=ack_wait, batch=1)


def test_the_ack_wait_is_seconds_not_a_minute() -> None:
    assert ACK_WAIT <= 10


async def test_work_longer_than_the_ack_wait_is_not_handed_out_again(
        nats_server: NatsServer, runtime_factory) -> None:
    runtime = await runtime_factory(nats_server.url)
    seen: list[int] = []
    runtime.add_consumer(spec(runtime, delay=4.0, seen=seen, ack_wait=1.5))
    await runtime.start()
    assert await runtime.bus.wait_connected(timeout=10)
    await publish(nats_server.url, [envelope(1)])
    await eventually(lambda: _effects_are(runtime, [1]), timeout=20)
    # Handled once, in more than twice the ack wait: the in-progress acks kept it here.
    assert seen == [1]
    assert await consumer_state(nats_server.url, "counter") == (0, 0, 0)


async def test_a_clean_stop_gives_back_what_it_holds_at_once(
        nats_server: NatsServer, runtime_factory) -> None:
    first = await runtime_factory(nats_server.url, name="first")
    stuck = asyncio.Event()  # never set: the first replica never finishes its message
    seen: list[int] = []
    first.add_consumer(spec(first, gate=stuck, seen=seen))
    await first.start()
    assert await first.bus.wait_connected(timeout=10)
    await publish(nats_server.url, [envelope(1)])
    await eventually(lambda: _handling(seen), timeout=10)

    stopped = time.monotonic()
    await first.stop()
    # Given back (a nak): JetStream hands it to the next to ask, not after the ack wait.
    second = await runtime_factory(nats_server.url, name="second")
    second.add_consumer(spec(second))
    await second.start()
    await eventually(lambda: _effects_are(second, [1]), timeout=2 * ACK_WAIT)
    took = time.monotonic() - stopped
    print(f"\nclean stop: the other replica had the message {took:.1f}s after the stop "
          f"(ack wait {ACK_WAIT:.0f}s)")
    assert took < ACK_WAIT / 2


async def test_a_payload_no_contract_reads_is_a_dead_letter_even_when_not_handled(
        nats_server: NatsServer, runtime_factory) -> None:
    runtime = await runtime_factory(nats_server.url)
    runtime.add_consumer(spec(runtime))  # handles Counted only
    await runtime.start()
    assert await runtime.bus.wait_connected(timeout=10)
    # Measured (version 2) is registered but not handled here; its payload is unusable.
    await publish(nats_server.url, [
        envelope(1), envelope(2, "Measured", {"millimetres": "many"}, version=2),
        envelope(3, "Measured", {"millimetres": 5}, version=2),
        envelope(5, "Measured", {"metres": "x"}, version=1),  # the upcaster cannot read it
        envelope(4)])
    await eventually(lambda: _effects_are(runtime, [1, 4]), timeout=15)
    await eventually(lambda: _unacknowledged(runtime.settings.nats_url, 0, pending=0))
    async with runtime.sessions() as session:
        dead = (await session.execute(text("SELECT subject, error FROM dead_letters"))).all()
    assert sorted(subject for subject, _error in dead) == [
        "lic.producer.s2.Measured", "lic.producer.s5.Measured"], dead
    errors = dict(dead)
    assert "unusable event" in errors["lic.producer.s2.Measured"]
    assert "millimetres" in errors["lic.producer.s2.Measured"]
    assert "cannot be upcast" in errors["lic.producer.s5.Measured"]


async def _handling(seen: list[int]) -> bool:
    return bool(seen)


async def _effects_are(runtime: Runtime, want: list[int]) -> bool:
    return await effects(runtime) == want


async def _unacknowledged(url: str, n: int, pending: int | None = None) -> bool:
    state = await consumer_state(url, "counter")
    return state[1] == n and (pending is None or state[0] == pending)
