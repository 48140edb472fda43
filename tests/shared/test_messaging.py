"""Outbox relay and consumers against a real nats-server that stops and restarts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import nats
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import ensure_stream
from shared.clock import utcnow
from shared.consumer import ConsumerSpec, RetryLater
from shared.contracts import Event
from shared.envelope import SYSTEM, Actor, Envelope, new_event_id
from shared.eventlog import read_subject
from shared.service import Runtime
from tests.harness import NatsServer, eventually
from tests.sample_contracts import SIMPLE, Counted


async def log_messages(url: str) -> list[Envelope]:
    nc = await nats.connect(url)
    try:
        return [env async for _seq, env in read_subject(nc.jetstream(), "LICENSING", "lic.>")]
    finally:
        await nc.close()


async def record(runtime: Runtime, stream: str, n: int) -> None:
    async with runtime.transaction() as session:
        await runtime.store.append(session, stream, [SIMPLE["Counted"](n=n)],
                                   actor=SYSTEM)


async def test_commands_are_accepted_while_nats_is_down_and_published_in_order_after(
    nats_server: NatsServer, runtime_factory
) -> None:
    runtime = await runtime_factory(nats_server.url)
    await runtime.start()
    assert await runtime.bus.wait_connected(timeout=10)
    nats_server.stop()
    for n in range(60):
        await record(runtime, f"s{n % 3}", n)
    assert await runtime.relay.pending() == 60
    nats_server.start()
    await eventually(lambda: _no_pending(runtime), timeout=30)
    events = await log_messages(nats_server.url)
    assert len(events) == 60
    assert len({e.event_id for e in events}) == 60
    for stream in ("s0", "s1", "s2"):
        versions = [e.stream_version for e in events if e.stream_id == stream]
        assert versions == sorted(versions) == list(range(1, 21))


async def test_a_service_starts_and_accepts_commands_with_nats_never_up(
    tmp_path: Path, runtime_factory
) -> None:
    server = NatsServer(tmp_path / "late-nats")
    runtime = await runtime_factory(server.url)
    await runtime.start()
    await record(runtime, "s", 1)
    assert await runtime.relay.pending() == 1
    server.start()
    try:
        await eventually(lambda: _no_pending(runtime), timeout=30)
        assert [e.payload["n"] for e in await log_messages(server.url)] == [1]
    finally:
        server.stop()


async def test_republishing_an_outbox_row_never_duplicates_the_event_in_the_log(
    nats_server: NatsServer, runtime_factory
) -> None:
    runtime = await runtime_factory(nats_server.url)
    await runtime.start()
    await record(runtime, "s", 1)
    await eventually(lambda: _no_pending(runtime))
    # A relay that crashed after publishing but before deleting publishes the row again.
    events_table = runtime.metadata.tables["events"]
    async with runtime.transaction() as session:
        body = (await session.execute(select(events_table.c.event_id, events_table.c.body)))
        event_id, raw = body.one()
        await session.execute(insert(runtime.metadata.tables["outbox"]).values(
            event_id=event_id, subject=Envelope.parse(raw).subject, body=raw))
    await eventually(lambda: _no_pending(runtime))
    assert len(await log_messages(nats_server.url)) == 1


async def _no_pending(runtime: Runtime) -> bool:
    return await runtime.relay.pending() == 0


def _envelope(event_type: str, n: int, stream: str = "x") -> Envelope:
    return Envelope(event_id=new_event_id(), type=event_type, source="producer",
                    stream_id=stream, stream_version=n, occurred_at=utcnow(),
                    recorded_at=utcnow(), actor=Actor(sub="t"), correlation_id="c",
                    payload={"n": n}).sealed()


async def _publish(url: str, envs: list[Envelope | bytes], *, msg_id_suffix: str = "") -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        # Right after a restart JetStream may still be recovering its streams.
        await eventually(lambda: _stream_ready(js), timeout=15)
        for env in envs:
            if isinstance(env, bytes):
                await js.publish("lic.producer.junk.Junk", env)
            else:
                await js.publish(env.subject, env.to_json().encode(),
                                 headers={"Nats-Msg-Id": env.event_id + msg_id_suffix})
    finally:
        await nc.close()


async def _stream_ready(js: object) -> bool:
    try:
        await js.stream_info("LICENSING")  # type: ignore[attr-defined]
    except (nats.errors.Error, TimeoutError):
        return False
    return True


async def _effects(runtime: Runtime) -> dict[str, int]:
    async with runtime.sessions() as session:
        rows = await session.execute(text("SELECT event_id, n FROM effects"))
        return {r[0]: r[1] for r in rows}


def _counting_spec(runtime: Runtime, *, fail_times: dict[int, int] | None = None,
                   poison: set[int] | None = None) -> ConsumerSpec:
    effects = runtime.metadata.tables["effects"]
    failures = dict(fail_times or {})

    async def count(session: AsyncSession, event: Event[Counted]) -> None:
        n = event.payload.n
        if n in (poison or set()):
            raise ValueError(f"event {n} can never be handled")
        if failures.get(n, 0) > 0:
            failures[n] -= 1
            raise RetryLater("not yet")
        await session.execute(insert(effects).values(event_id=event.event_id, n=n))

    return ConsumerSpec(name="counter", subjects=["lic.producer.>"],
                        handlers={Counted: count})


async def test_a_redelivered_event_takes_effect_once(nats_server: NatsServer,
                                                     runtime_factory) -> None:
    runtime = await runtime_factory(nats_server.url)
    runtime.add_consumer(_counting_spec(runtime))
    await runtime.start()
    assert await runtime.bus.wait_connected(timeout=10)
    envs = [_envelope("Counted", n) for n in range(1, 6)]
    await _publish(nats_server.url, envs)
    await eventually(lambda: _len_is(runtime, 5))
    # The same events again, under other message ids so JetStream delivers them.
    await _publish(nats_server.url, envs, msg_id_suffix="-again")
    await eventually(lambda: _consumer_idle(runtime))
    assert sorted((await _effects(runtime)).values()) == [1, 2, 3, 4, 5]


async def test_a_batch_handler_sees_each_event_once(nats_server: NatsServer,
                                                   runtime_factory) -> None:
    runtime = await runtime_factory(nats_server.url)
    spec = _counting_spec(runtime)
    effects = runtime.metadata.tables["effects"]
    batches: list[int] = []

    async def count_all(session: AsyncSession, events: Sequence[Event[Counted]]) -> None:
        batches.append(len(events))
        await session.execute(insert(effects), [
            {"event_id": ev.event_id, "n": ev.payload.n} for ev in events])

    spec.batch_handler = count_all
    runtime.add_consumer(spec)
    envs = [_envelope("Counted", n) for n in range(1, 6)]
    # Published before the consumer starts, so that they arrive as one batch.
    nc = await nats.connect(nats_server.url)
    await ensure_stream(nc.jetstream(), runtime.bus.stream)
    await nc.close()
    await _publish(nats_server.url, envs)
    await runtime.start()
    assert await runtime.bus.wait_connected(timeout=10)
    await eventually(lambda: _len_is(runtime, 5))
    # The same events again, under other message ids so JetStream delivers them.
    await _publish(nats_server.url, envs, msg_id_suffix="-again")
    await eventually(lambda: _consumer_idle(runtime))
    assert sorted((await _effects(runtime)).values()) == [1, 2, 3, 4, 5]
    assert batches and max(batches) > 1  # the batch path ran, not only the one-by-one one


async def test_poison_messages_are_dead_lettered_and_the_rest_go_on(
    nats_server: NatsServer, runtime_factory
) -> None:
    runtime = await runtime_factory(nats_server.url)
    runtime.add_consumer(_counting_spec(runtime, poison={3}, fail_times={4: 2}))
    await runtime.start()
    assert await runtime.bus.wait_connected(timeout=10)
    await _publish(nats_server.url, [_envelope("Counted", 1), b"{not json", _envelope("Counted", 2),
                                     _envelope("Counted", 3), _envelope("Counted", 4),
                                     _envelope("Counted", 5)])
    await eventually(lambda: _len_is(runtime, 4), timeout=20)
    assert sorted((await _effects(runtime)).values()) == [1, 2, 4, 5]
    async with runtime.sessions() as session:
        dead = (await session.execute(text("SELECT subject, error FROM dead_letters"))).all()
    assert len(dead) == 2
    assert any("not an event envelope" in error for _s, error in dead)
    assert any("can never be handled" in error for _s, error in dead)
    # Event 4 failed twice: once or twice on its own (nak'ed, redelivered), and maybe once inside
    # a batch that then fell back to one by one, which is not a redelivery.
    assert runtime.consumers[0].spec.stats["redelivered"] >= 1


async def test_consumer_resumes_after_nats_restarts(nats_server: NatsServer,
                                                    runtime_factory) -> None:
    runtime = await runtime_factory(nats_server.url)
    runtime.add_consumer(_counting_spec(runtime))
    await runtime.start()
    await _publish(nats_server.url, [_envelope("Counted", 1)])
    await eventually(lambda: _len_is(runtime, 1))
    nats_server.stop()
    nats_server.start()
    await _publish(nats_server.url, [_envelope("Counted", 2)])
    await eventually(lambda: _len_is(runtime, 2), timeout=30)


async def _len_is(runtime: Runtime, n: int) -> bool:
    return len(await _effects(runtime)) == n


async def _consumer_idle(runtime: Runtime) -> bool:
    consumer = runtime.consumers[0]
    return consumer.spec.stats["processed"] >= 10 and await consumer.lag() == 0
