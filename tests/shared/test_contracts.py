"""Event contracts: every type has a model that reads its samples; unknown versions are refused;
older versions are read through their upcasters; EVENTS.md is written from the registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import ConsumerSpec
from shared.contracts import REGISTRY, Event, Payload, UnusableEvent
from shared.contracts.catalogue import render
from shared.envelope import SYSTEM
from shared.service import Runtime
from tests.harness import NatsServer, eventually
from tests.sample_contracts import Counted, Measured
from tests.shared.test_messaging import _envelope, _publish

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = [m for m in REGISTRY if m.event_source in ("intake", "assessment", "denials")]


def test_every_production_event_type_is_registered_once_with_an_example() -> None:
    names = [(m.event_source, m.event_type) for m in PRODUCTION]
    assert len(names) == len(set(names))
    assert all(m.examples for m in PRODUCTION), [m.__name__ for m in PRODUCTION
                                                  if not m.examples]


@pytest.mark.parametrize("model", PRODUCTION, ids=lambda m: f"{m.event_source}.{m.event_type}")
def test_each_example_parses_and_survives_a_round_trip(model: type[Payload]) -> None:
    for example in model.examples:
        parsed = model.model_validate(example)
        again = model.model_validate(REGISTRY.dump(parsed))
        assert again == parsed


def test_events_md_is_written_from_the_registry() -> None:
    assert (ROOT / "EVENTS.md").read_text() == render(), (
        "EVENTS.md is stale: run `make events` (python -m shared.contracts.catalogue)")


def test_an_unknown_type_or_version_is_refused_with_its_reason() -> None:
    with pytest.raises(UnusableEvent, match="unknown event type"):
        REGISTRY.read("intake", "ApplicationTeleported", 1, {})
    with pytest.raises(UnusableEvent, match="version 3 is unknown"):
        REGISTRY.read("producer", "Measured", 3, {"millimetres": 1})
    with pytest.raises(UnusableEvent, match="does not parse"):
        REGISTRY.read("producer", "Counted", 1, {"n": "not a number"})


def test_a_stored_v1_event_is_read_as_v2_through_its_upcaster() -> None:
    assert REGISTRY.read("producer", "Measured", 1, {"metres": 3}) == Measured(millimetres=3000)
    assert REGISTRY.read("producer", "Measured", 2, {"millimetres": 5}) == Measured(millimetres=5)


def test_appending_checks_a_payload_against_its_contract() -> None:
    assert REGISTRY.check("producer", "Counted", 1, {"n": 2}) == {"n": 2}
    with pytest.raises(UnusableEvent, match="has no field"):
        REGISTRY.check("producer", "Counted", 1, {"n": 2, "extra": True})
    with pytest.raises(UnusableEvent, match="appended at version 2"):
        REGISTRY.check("producer", "Measured", 1, {"metres": 2})


def test_a_model_without_upcasters_to_its_version_cannot_be_registered() -> None:
    from shared.contracts import Registry

    class Jumped(Payload):
        millimetres: int

    Jumped.event_source, Jumped.event_type, Jumped.event_version = "producer", "Jumped", 3
    with pytest.raises(ValueError, match="no upcaster"):
        Registry().register(Jumped)


async def test_a_consumer_dead_letters_an_unknown_version_and_reads_v1_as_v2(
        nats_server: NatsServer, runtime_factory) -> None:
    runtime: Runtime = await runtime_factory(nats_server.url)
    seen: list[object] = []

    async def keep(_session: AsyncSession, event: Event[Payload]) -> None:
        seen.append(event.payload)

    runtime.add_consumer(ConsumerSpec(name="reader", subjects=["lic.producer.>"],
                                      handlers={Counted: keep, Measured: keep}))
    await runtime.start()
    assert await runtime.bus.wait_connected(timeout=10)
    old = _envelope("Measured", 1).model_copy(update={"version": 1,
                                                      "payload": {"metres": 2}}).sealed()
    future = _envelope("Measured", 2).model_copy(update={"version": 9,
                                                         "payload": {"lightyears": 1}}).sealed()
    wrong = _envelope("Counted", 3).model_copy(update={"payload": {"n": "three"}}).sealed()
    await _publish(nats_server.url, [old, future, wrong, _envelope("Counted", 4)])
    await eventually(lambda: _has(seen, 2), timeout=20)
    assert seen == [Measured(millimetres=2000), Counted(n=4)]
    async with runtime.sessions() as session:
        dead = (await session.execute(text("SELECT event_id, error FROM dead_letters"))).all()
    assert {event_id for event_id, _ in dead} == {future.event_id, wrong.event_id}
    reasons = " ".join(error for _, error in dead)
    assert "version 9 is unknown" in reasons and "does not parse" in reasons


async def _has(seen: list[object], n: int) -> bool:
    return len(seen) >= n


async def test_the_store_refuses_an_event_of_another_producer(tmp_path: Path,
                                                              runtime_factory) -> None:
    runtime: Runtime = await runtime_factory("nats://127.0.0.1:1", name="test")
    with pytest.raises(UnusableEvent, match="producer's event"):
        async with runtime.transaction() as session:
            await runtime.store.append(session, "s", [Counted(n=1)], actor=SYSTEM)
