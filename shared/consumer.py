"""Durable JetStream pull consumers whose effects happen exactly once.

Each fetched batch is handled in one transaction, with the event ids recorded in the inbox
table alongside the effects; if anything in the batch fails, the batch is rolled back and its
messages are handled one by one, so one bad message never holds up the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import nats
from nats.aio.msg import Msg
from nats.js import api as js_api
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.bus import Bus
from shared.clock import utcnow
from shared.contracts import REGISTRY, Event, Payload, UnusableEvent
from shared.db.transient import may_pass
from shared.envelope import Envelope
from shared.personal.keys import KeyUnavailable
from shared.tracing import Deliveries

if TYPE_CHECKING:
    from shared.personal.vault import Vault

log = logging.getLogger(__name__)

# Seconds a delivered message stays with its consumer unacknowledged before JetStream hands it to
# another (after a crash, this is what a message held costs). Work that takes longer says so with
# an in-progress ack every third of it.
ACK_WAIT = 10.0

# A handler takes the consumer's transaction and one event parsed by its contract.
Handler = Callable[[AsyncSession, Event[Any]], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[Event[Any]]], Awaitable[None]]


class RetryLater(Exception):
    """A handler's way to say: this may work later (a dependency is away)."""


TRANSIENT: tuple[type[BaseException], ...] = (RetryLater, KeyUnavailable, OperationalError, OSError,
                                              TimeoutError)


@dataclass
class ConsumerSpec:
    """A durable consumer: its name, the subjects it reads and a handler per event type."""

    name: str
    subjects: Sequence[str]
    # Keyed by contract model; the handler gets the event parsed by it.
    handlers: Mapping[type[Payload], Handler]
    default: Handler | None = None
    after_commit: Callable[[], None] | None = None
    batch: int = 256
    # Optional: takes a whole fetched batch at once (the events not handled before, in order,
    # already in the inbox), for a consumer that can do in a few statements what it would do
    # in a few per event. The handlers above still serve when a batch falls back to one by one.
    batch_handler: BatchHandler | None = None
    # Whether the handlers get personal fields opened (shared.personal): a consumer that keeps
    # copies of events and never shows a person's data (reporting) takes them sealed.
    open_personal: bool = True
    ack_wait: float = ACK_WAIT
    stats: dict[str, int] = field(default_factory=lambda: {"processed": 0, "dead": 0,
                                                           "redelivered": 0})


class Consumer:
    """Runs one ConsumerSpec against the bus and a service's database."""

    def __init__(
        self, spec: ConsumerSpec, bus: Bus, sessions: async_sessionmaker[AsyncSession],
        metadata: MetaData,
        transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]] | None = None,
    ) -> None:
        self.spec = spec
        self.bus = bus
        self.sessions = sessions
        # A service passes its group committer, so the consumer's writes queue with the
        # commands' instead of contending with them for SQLite's write lock.
        self.transaction = transaction or self._own_transaction
        self.inbox = metadata.tables["inbox"]
        self.dead_letters = metadata.tables["dead_letters"]
        # Each message's span, a child of its `traceparent` header (see shared.tracing).
        self.deliveries = Deliveries(spec.name, bus.name)
        # Opens the personal fields of what this consumer handles (the runtime sets it).
        self.vault: Vault | None = None

    @asynccontextmanager
    async def _own_transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            yield session

    async def ensure(self) -> None:
        """Create the durable consumer if it is missing."""
        js = self.bus.js
        assert js is not None
        config = js_api.ConsumerConfig(
            durable_name=self.spec.name,
            ack_policy=js_api.AckPolicy.EXPLICIT,
            deliver_policy=js_api.DeliverPolicy.ALL,
            filter_subjects=list(self.spec.subjects),
            ack_wait=self.spec.ack_wait,
            max_deliver=-1,
            max_ack_pending=20000,
        )
        try:
            info = await js.consumer_info(self.bus.stream, self.spec.name)
        except NotFoundError:
            await js.add_consumer(self.bus.stream, config)
            return
        if info.config.ack_wait != self.spec.ack_wait:
            # A durable made with another ack wait (60 s before) takes this one: an update.
            await js.add_consumer(self.bus.stream, config)

    async def lag(self) -> int | None:
        """Messages not yet delivered to this consumer, or None when NATS is away."""
        if not self.bus.connected or self.bus.js is None:
            return None
        try:
            info = await self.bus.js.consumer_info(self.bus.stream, self.spec.name)
        except (nats.errors.Error, TimeoutError):
            return None
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

    async def run(self) -> None:
        """Fetch and handle forever, resubscribing after NATS outages."""
        while True:
            await self.bus.wait_connected()
            try:
                await self.ensure()
                assert self.bus.js is not None
                sub = await self.bus.js.pull_subscribe_bind(
                    durable=self.spec.name, stream=self.bus.stream
                )
                while True:
                    try:
                        msgs = await sub.fetch(self.spec.batch, timeout=1.0)
                    except TimeoutError:
                        continue
                    await self.hold(msgs)
            except asyncio.CancelledError:
                raise
            except (nats.errors.Error, TimeoutError, OSError) as exc:
                log.warning("consumer %s lost NATS (%s); resubscribing", self.spec.name, exc)
                await asyncio.sleep(0.5)
            except Exception:
                log.exception("consumer %s failed; restarting", self.spec.name)
                await asyncio.sleep(1.0)

    async def hold(self, msgs: Sequence[Msg]) -> None:
        """Handle a fetched batch, telling JetStream every third of the ack wait that the
        messages not yet settled are still in progress (so a long batch is not handed to another
        replica meanwhile); stopped halfway, give back at once whatever is not settled, so that
        another replica or the restart has it in a moment rather than after the ack wait."""
        beat = asyncio.ensure_future(self._in_progress(msgs))
        try:
            await self.handle_batch(msgs)
        except asyncio.CancelledError:
            await self._give_back(msgs)
            raise
        finally:
            beat.cancel()

    async def _in_progress(self, msgs: Sequence[Msg]) -> None:
        while True:
            await asyncio.sleep(self.spec.ack_wait / 3)
            for msg in msgs:
                if not msg.is_acked:
                    with contextlib.suppress(nats.errors.Error):
                        await msg.in_progress()

    async def _give_back(self, msgs: Sequence[Msg]) -> None:
        unsettled = [msg for msg in msgs if not msg.is_acked]
        for msg in unsettled:
            with contextlib.suppress(nats.errors.Error):
                await msg.nak()
        if unsettled and self.bus.nc is not None:
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                await self.bus.nc.flush(timeout=1)
        if unsettled:
            log.info("consumer %s stopping: %d messages given back", self.spec.name,
                     len(unsettled))

    def handles(self, env: Envelope) -> bool:
        """Whether this consumer has a handler for an event of this kind."""
        if self.spec.default is not None or self.spec.batch_handler is not None:
            return True
        try:
            return REGISTRY.model(env.source, env.type) in self.spec.handlers
        except UnusableEvent:
            return False

    def parse(self, env: Envelope) -> Event[Any] | None:
        """The event parsed by its contract; None when this consumer has no use for it.

        An unknown type or version, or a payload its contract does not read, raises
        UnusableEvent: a dead letter, whether or not this consumer would have handled it.
        """
        if not REGISTRY.knows(env.source, env.type, env.version):
            REGISTRY.upcast(env.source, env.type, env.version, {})  # raises, saying why
        # Parsed even when not handled (a sealed field not opened reads as erased), so that
        # every consumer of a subject says alike which of its messages no contract reads.
        event = REGISTRY.parse(env)
        return event if self.handles(env) else None

    async def _opened(self, items: list[tuple[Msg, Envelope]]) -> list[tuple[Msg, Envelope]]:
        """The envelopes this consumer handles with their personal fields opened (the keys of
        a batch are looked up together); a message whose key is not reachable yet waits."""
        if self.vault is None or not self.spec.open_personal:
            return items
        vault = self.vault
        handled = [i for i, (_msg, env) in enumerate(items) if self.handles(env)]
        try:
            opened = await vault.open_envelopes([items[i][1] for i in handled])
        except KeyUnavailable:
            ready: list[tuple[Msg, Envelope]] = []
            wanted = set(handled)
            for i, (msg, env) in enumerate(items):
                try:
                    ready.append((msg, (await vault.open_envelopes([env]))[0]
                                  if i in wanted else env))
                except KeyUnavailable as exc:
                    await self._later(msg, env, exc)
            return ready
        result = list(items)
        for i, env in zip(handled, opened, strict=True):
            result[i] = (items[i][0], env)
        return result

    async def handle_batch(self, msgs: Sequence[Msg]) -> None:
        """Handle messages together in one transaction, or one by one if that fails."""
        self.deliveries.abandon()
        envelopes: list[tuple[Msg, Envelope]] = []
        for msg in msgs:
            try:
                envelopes.append((msg, Envelope.parse(msg.data)))
            except (ValidationError, ValueError) as exc:
                await self._dead(msg, None, f"not an event envelope: {exc}")
                continue
            self.deliveries.begin(msg, envelopes[-1][1])
        parsed: list[tuple[Msg, Envelope, Event[Any] | None]] = []
        for msg, env in await self._opened(envelopes):
            try:
                parsed.append((msg, env, self.parse(env)))
            except UnusableEvent as exc:
                log.warning("event %s (correlation %s) is unusable for %s: %s", env.event_id,
                            env.correlation_id, self.spec.name, exc)
                await self._dead(msg, env, f"unusable event: {exc}")
        if len(parsed) > 1:
            try:
                async with self.transaction() as session:
                    await self._apply(session, [(env, ev) for _msg, env, ev in parsed])
            except Exception as exc:  # noqa: BLE001 - falls back to one by one
                log.debug("batch of %d failed (%s); handling one by one", len(parsed), exc)
            else:
                await self._committed([m for m, _e, _v in parsed])
                return
        for msg, env, ev in parsed:
            await self.handle_one(msg, env, ev)

    async def handle_one(self, msg: Msg, env: Envelope, event: Event[Any] | None = None
                         ) -> None:
        """Handle one message in its own transaction: ack, nak with backoff, or dead-letter."""
        try:
            async with self.transaction() as session:
                await self._apply(session, [(env, event)])
        except TRANSIENT as exc:
            await self._later(msg, env, exc)
            return
        except DBAPIError as exc:
            if may_pass(exc):
                # Away, or rolled back to break a deadlock with another writer: not poison.
                self.deliveries.finish([msg], "retried")
                await msg.nak(delay=1.0)
                return
            await self._dead(msg, env, f"{type(exc).__name__}: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - a poison message must not stop the consumer
            log.exception("event %s (correlation %s) cannot be handled by %s",
                          env.event_id, env.correlation_id, self.spec.name)
            await self._dead(msg, env, f"{type(exc).__name__}: {exc}")
            return
        await self._committed([msg])

    async def _apply(self, session: AsyncSession,
                     items: Sequence[tuple[Envelope, Event[Any] | None]]) -> None:
        """The effects of events not handled before, in the caller's transaction."""
        fresh = await self._admit(session, items)
        usable = [ev for _env, ev in fresh if ev is not None]
        if self.spec.batch_handler is not None and len(usable) > 1:
            await self.spec.batch_handler(session, usable)
            return
        for event in usable:
            with self.deliveries.handling(event.envelope):
                handler = self.spec.handlers.get(type(event.payload), self.spec.default)
                if handler is not None:
                    await handler(session, event)

    async def _admit(self, session: AsyncSession,
                     items: Sequence[tuple[Envelope, Event[Any] | None]]
                     ) -> list[tuple[Envelope, Event[Any] | None]]:
        """The events of a batch not handled before, each once, recorded in the inbox."""
        envs = [env for env, _ev in items]
        ids = list({env.event_id for env in envs})
        seen = set((await session.execute(
            select(self.inbox.c.event_id).where(self.inbox.c.consumer == self.spec.name,
                                                self.inbox.c.event_id.in_(ids))
        )).scalars())
        fresh = []
        for env, ev in items:
            if env.event_id not in seen:
                seen.add(env.event_id)
                fresh.append((env, ev))
        if fresh:
            now = utcnow()
            await session.execute(insert(self.inbox), [
                {"consumer": self.spec.name, "event_id": env.event_id, "processed_at": now}
                for env, _ev in fresh])
        return fresh

    async def _later(self, msg: Msg, env: Envelope, exc: BaseException) -> None:
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        delay = min(0.2 * 2 ** min(delivered, 8), 30.0)
        log.warning("event %s (correlation %s) failed transiently in %s: %s; retry in %.1fs",
                    env.event_id, env.correlation_id, self.spec.name, exc, delay)
        self.spec.stats["redelivered"] += 1
        self.deliveries.finish([msg], "retried")
        await msg.nak(delay=delay)

    async def _committed(self, msgs: Sequence[Msg]) -> None:
        self.spec.stats["processed"] += len(msgs)
        self.deliveries.finish(msgs, "processed")
        if self.spec.after_commit is not None:
            self.spec.after_commit()
        for msg in msgs:
            await msg.ack()

    async def _dead(self, msg: Msg, env: Envelope | None, error: str) -> None:
        async with self.transaction() as session:
            await session.execute(
                insert(self.dead_letters).values(
                    consumer=self.spec.name,
                    event_id=env.event_id if env else None,
                    subject=msg.subject,
                    body=msg.data.decode(errors="replace"),
                    error=error[:4000],
                    recorded_at=utcnow(),
                )
            )
        self.spec.stats["dead"] += 1
        self.deliveries.finish([msg], "dead")
        await msg.term()
