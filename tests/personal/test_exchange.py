"""Keys between services, through the LICENSING_KEYS bucket of a real nats-server: a consumer
opens what a producer sealed, keys travel ahead of their events, an erasure reaches the bucket,
and a key that is not there yet makes the consumer wait, never guess."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import nats
import pytest
from nats.js.errors import KeyNotFoundError
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.consumer import ConsumerSpec
from shared.contracts import REGISTRY, Event
from shared.envelope import SYSTEM, Envelope, new_event_id, stream_filter
from shared.eventlog import read_subject
from shared.eventstore import verify_store
from shared.personal.erased import Erased, is_erased
from shared.personal.erasure import erase
from shared.personal.keys import KeyStore, KeyUnavailable
from shared.personal.subjects import Subjects
from shared.personal.tables import subject_keys
from shared.personal.vault import Vault
from shared.service import Runtime
from tests.harness import NatsServer, eventually
from tests.personal.conftest import PEPPER, MakeRuntime
from tests.personal.contracts import Person, PersonCopied, PersonRegistered

JAN = "Jan de Vries"
YEARS = {"licence": 5}


def copier_spec(runtime: Runtime) -> ConsumerSpec:
    """The copier notes the name it read and records the person again in its own event."""
    seen = runtime.metadata.tables["seen"]

    async def on_registered(session: AsyncSession, event: Event[PersonRegistered]) -> None:
        name = event.payload.person.name
        await session.execute(insert(seen).values(event_id=event.event_id, name=str(name),
                                                  erased=is_erased(name)))
        await runtime.store.append(session, event.payload.case,
                                   [PersonCopied(case=event.payload.case,
                                                 person=event.payload.person)],
                                   actor=SYSTEM, causation_id=event.event_id)

    return ConsumerSpec(name="copier-reads", subjects=["lic.registrar.>"],
                        handlers={PersonRegistered: on_registered})


async def seen(runtime: Runtime) -> list[tuple[str, bool]]:
    table = runtime.metadata.tables["seen"]
    async with runtime.sessions() as session:
        return [(n, e) for n, e in await session.execute(select(table.c.name, table.c.erased))]


async def record(runtime: Runtime, case: str, person: Person) -> None:
    async with runtime.transaction() as session:
        await runtime.store.append(session, case, [PersonRegistered(case=case, person=person)],
                                   actor=SYSTEM)


async def started(make: MakeRuntime, url: str, name: str, *, consume: bool = False,
                  **overrides: Any) -> Runtime:
    runtime = await make(url, name, **overrides)
    if consume:
        runtime.add_consumer(copier_spec(runtime))
    await runtime.start()
    assert await runtime.bus.wait_connected(timeout=10)
    return runtime


@asynccontextmanager
async def bucket(url: str) -> AsyncIterator[Any]:
    nc = await nats.connect(url)
    try:
        yield await nc.jetstream().key_value("LICENSING_KEYS")
    finally:
        await nc.close()


async def held_copies(runtime: Runtime, source: str) -> int:
    async with runtime.vault.keys.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(subject_keys)
                                          .where(subject_keys.c.source == source)))
                   .scalar_one())


def jan(subjects: Subjects) -> Person:
    return Person(name=JAN, email="jan@example.nl", subject=subjects.private_party(JAN, "NL"))


async def test_a_consumer_opens_what_the_producer_sealed_with_a_key_from_the_bucket(
    nats_server: NatsServer, personal_runtime: MakeRuntime, subjects: Subjects
) -> None:
    registrar = await started(personal_runtime, nats_server.url, "registrar")
    copier = await started(personal_runtime, nats_server.url, "copier", consume=True)
    await record(registrar, "c1", jan(subjects))
    assert await eventually(lambda: seen(copier)) == [(JAN, False)]
    consumer = copier.consumers[0]
    assert consumer.spec.stats["redelivered"] == 0  # the key was in the bucket before the event
    assert await held_copies(copier, "registrar") == 1
    # The copier's own record is sealed with its own key for the same subject.
    async with copier.sessions() as session:
        [body] = (await session.execute(text("SELECT body FROM events"))).scalars()
    copied = json.loads(body)["payload"]["person"]["name"]
    assert JAN not in body and copied["subject"] == subjects.private_party(JAN, "NL")
    assert await held_copies(copier, "copier") == 1
    # In the bucket a key is wrapped: the entry alone opens nothing.
    async with bucket(nats_server.url) as kv:
        async def both_keys() -> list[str] | None:
            # The copier's key reaches the bucket after its commit (the keys waiting for it).
            found = list(await kv.keys())
            return found if len(found) == 2 else None

        names = await eventually(both_keys, timeout=30)
        assert len(names) == 2 and {n.split(".")[0] for n in names} == {"registrar", "copier"}
        entry = json.loads((await kv.get(names[0])).value)
        assert set(entry) == {"created_at", "nonce", "wrapped"}


async def test_keys_wait_with_their_events_while_nats_is_down(
    nats_server: NatsServer, personal_runtime: MakeRuntime, subjects: Subjects
) -> None:
    registrar = await started(personal_runtime, nats_server.url, "registrar")
    copier = await started(personal_runtime, nats_server.url, "copier", consume=True)
    nats_server.stop()
    people = [f"Person {i}" for i in range(5)]
    for i, name in enumerate(people):
        await record(registrar, f"c{i}", Person(name=name,
                                                subject=subjects.private_party(name, "NL")))
    assert await registrar.vault.keys.pending() == 5
    nats_server.start()
    assert sorted(n for n, _e in await eventually(
        lambda: _all(seen(copier), 5), timeout=30)) == people
    assert copier.consumers[0].spec.stats["redelivered"] == 0
    assert await registrar.vault.keys.pending() == 0


async def _all(rows: Any, n: int) -> Any:
    found = await rows
    return found if len(found) == n else None


async def test_an_erasure_in_every_service_reaches_the_bucket_the_log_and_every_read(
    nats_server: NatsServer, personal_runtime: MakeRuntime, subjects: Subjects
) -> None:
    subject = subjects.private_party(JAN, "NL")
    registrar = await started(personal_runtime, nats_server.url, "registrar")
    copier = await started(personal_runtime, nats_server.url, "copier", consume=True)
    viewer = await started(personal_runtime, nats_server.url, "viewer")  # reads the log only
    await record(registrar, "c1", jan(subjects))
    await eventually(lambda: seen(copier), timeout=30)

    async def view() -> list[Any]:
        envelopes = await read_stream(viewer, "c1")
        opened = await viewer.vault.open_envelopes(envelopes)
        names = [REGISTRY.parse(e).payload.person.name  # type: ignore[attr-defined]
                 for e in opened]
        return names if len(names) == 2 else []  # the registrar's event and the copier's

    assert await eventually(view, timeout=30) == [JAN, JAN]
    async with bucket(nats_server.url) as kv:
        entries = await kv.keys()
    assert len(entries) == 2

    for runtime in (registrar, copier, viewer):
        async with runtime.transaction() as session:
            await erase(runtime.vault.keys, subject, "ordered", holdings=[], years=YEARS,
                        session=session,
                        store=runtime.store if runtime is not viewer else None)
    async with bucket(nats_server.url) as kv:
        for name in entries:
            with pytest.raises(KeyNotFoundError) as gone:
                await kv.get(name)
            assert gone.value.op == "PURGE"
    for runtime in (registrar, copier, viewer):
        assert await held_copies(runtime, "registrar") == 0
        assert await held_copies(runtime, "copier") == 0
        async with runtime.sessions() as session:
            assert (await verify_store(session, runtime.metadata))[1] == []
    names = await view()
    assert len(names) == 2 and all(isinstance(n, Erased) and n.subject == subject for n in names)
    # The view of the log as JSON (GET /v1/streams/{id}) shows text where the name was.
    shown = [e.model_dump(mode="json") for e in await viewer.vault.open_envelopes(
        await read_stream(viewer, "c1"))]
    assert [e["payload"]["person"]["name"] for e in shown] == ["[erased]", "[erased]"]
    assert JAN not in json.dumps(shown) and "jan@" not in json.dumps(shown)
    # Every erasure is an event on the subject's stream, without a trace of the person.
    erasures = await eventually(lambda: _erasures(viewer, subject))
    assert [e.source for e in erasures] == ["registrar", "copier"]
    assert all(JAN not in e.to_json() and "jan@" not in e.to_json() for e in erasures)


async def read_stream(viewer: Runtime, stream_id: str) -> list[Envelope]:
    """One stream's envelopes in the log, as the reporting service's stream view reads them."""
    assert viewer.bus.js is not None
    return [env async for _seq, env in read_subject(viewer.bus.js, viewer.bus.stream,
                                                    stream_filter(stream_id))]


async def _erasures(viewer: Runtime, subject: str) -> list[Envelope] | None:
    found = await read_stream(viewer, subject)
    return found if len(found) == 2 else None


async def test_a_service_that_erased_first_refuses_an_older_key_still_in_the_bucket(
    nats_server: NatsServer, personal_runtime: MakeRuntime, subjects: Subjects
) -> None:
    subject = subjects.private_party(JAN, "NL")
    registrar = await started(personal_runtime, nats_server.url, "registrar")
    await record(registrar, "c1", jan(subjects))
    await eventually(lambda: _no_pending(registrar))
    # The copier erases the subject before it has read the registrar's event (the registrar
    # has not erased yet, so its key is still in the bucket).
    copier = await personal_runtime(nats_server.url, "copier")
    await copier.vault.start()
    await erase(copier.vault.keys, subject, "ordered", holdings=[], years=YEARS)
    copier.add_consumer(copier_spec(copier))
    await copier.start()
    assert await eventually(lambda: seen(copier)) == [("[erased]", True)]
    assert await held_copies(copier, "registrar") == 0


async def _no_pending(runtime: Runtime) -> bool:
    return await runtime.relay.pending() == 0 and await runtime.vault.keys.pending() == 0


async def test_a_key_not_in_the_bucket_yet_makes_the_consumer_wait_then_read(
    nats_server: NatsServer, personal_runtime: MakeRuntime, subjects: Subjects, tmp_path: Any
) -> None:
    copier = await started(personal_runtime, nats_server.url, "copier", consume=True)
    # A registrar whose key is made but not pushed, and whose event reaches the log anyway.
    keys = KeyStore(f"sqlite+aiosqlite:///{tmp_path / 'late.keys.db'}", source="registrar",
                    bus=copier.bus, bucket="LICENSING_KEYS", pepper=PEPPER.encode)
    await keys.start()
    try:
        payload = PersonRegistered(case="c1", person=jan(subjects))
        data = await Vault(keys).seal(PersonRegistered, payload.model_dump(mode="json"))
        envelope = Envelope(event_id=new_event_id(), type="PersonRegistered", source="registrar",
                            stream_id="c1", stream_version=1, occurred_at=utcnow(),
                            recorded_at=utcnow(), actor=SYSTEM, correlation_id="c",
                            payload=data).sealed()
        assert copier.bus.js is not None
        await copier.bus.js.publish(envelope.subject, envelope.to_json().encode())
        consumer = copier.consumers[0]
        await eventually(lambda: _redelivered(consumer.spec.stats))
        assert await seen(copier) == []
        with pytest.raises(KeyUnavailable, match="not in the bucket yet"):
            await copier.vault.open_envelopes([envelope])
        await keys.push()
        assert await eventually(lambda: seen(copier), timeout=30) == [(JAN, False)]
        assert await copier.dead_letter_count() == 0
    finally:
        await keys.close()


async def _redelivered(stats: dict[str, int]) -> bool:
    return stats["redelivered"] > 0


async def test_a_service_with_another_pepper_waits_instead_of_reading_erased(
    nats_server: NatsServer, personal_runtime: MakeRuntime, subjects: Subjects
) -> None:
    registrar = await started(personal_runtime, nats_server.url, "registrar")
    copier = await started(personal_runtime, nats_server.url, "copier", consume=True,
                           subject_pepper="a different pepper, misconfigured here")
    await record(registrar, "c1", jan(subjects))
    await eventually(lambda: _redelivered(copier.consumers[0].spec.stats))
    assert await seen(copier) == []
    assert await copier.dead_letter_count() == 0
