"""The outbox relay: publishes committed events to JetStream, in order, at least once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import nats
from sqlalchemy import MetaData, delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import logs
from shared.bus import Bus
from shared.tracing import OutboxTraces

log = logging.getLogger(__name__)


class OutboxRelay:
    """Reads the outbox oldest first and publishes each row with `Nats-Msg-Id` = event id."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], metadata: MetaData, bus: Bus,
        *, batch: int = 256,
        transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]] | None = None,
        before_publish: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.sessions = sessions
        # Runs after a batch is read and before it is published: the key store pushes the
        # data keys of personal fields (committed before the events sealed with them), so a
        # consumer never receives an event whose key is not in the bucket yet.
        self.before_publish = before_publish
        # Deleting published rows is a write: a service passes its group committer here, so
        # on SQLite the relay never contends with commands for the write lock (a contended
        # lock is waited out by SQLite's busy handler in sleeps of up to 100 ms).
        self.transaction = transaction or self._own_transaction
        self.outbox = metadata.tables["outbox"]
        self.bus = bus
        self.batch = batch
        self.published = 0
        # The traceparent of each event this process appended, published beside it.
        self.traces = OutboxTraces.watching(self.outbox, sessions)
        self._wake = asyncio.Event()

    @asynccontextmanager
    async def _own_transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            yield session

    def wake(self) -> None:
        """Tell the relay there is something new to publish."""
        self._wake.set()

    async def pending(self) -> int:
        """How many events wait to be published."""
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(self.outbox)))
                       .scalar_one())

    async def run(self) -> None:
        """Publish forever; back off while NATS is away."""
        logs.bind(service=self.bus.name)
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the wait ends, and the relay would then outlive its service's stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._wake.wait()
            self._wake.clear()
            if not self.bus.connected:
                await self.bus.wait_connected(timeout=1.0)
                continue
            try:
                while await self.publish_batch():
                    pass
            except (nats.errors.Error, TimeoutError, OSError) as exc:
                log.warning("publishing stopped (%s); will retry", exc)
                await asyncio.sleep(0.5)
            except OperationalError as exc:  # the database is locked, busy or away
                log.warning("outbox relay: database unavailable (%s); will retry",
                            (str(exc).splitlines() or [""])[0][:200])
                await asyncio.sleep(1.0)
            except Exception:
                log.exception("outbox relay failed; will retry")
                await asyncio.sleep(1.0)

    async def publish_batch(self) -> int:
        """Publish the oldest batch; returns how many rows went out."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(self.outbox.c.id, self.outbox.c.event_id, self.outbox.c.subject,
                           self.outbox.c.body)
                    .order_by(self.outbox.c.id)
                    .limit(self.batch)
                )
            ).all()
        if self.before_publish is not None:
            await self.before_publish()
        if not rows:
            return 0
        js = self.bus.js
        assert js is not None
        done: list[tuple[int, str]] = []
        try:
            # Pipelined on one connection, so the server receives them in order; a failure
            # stops the batch at the first unacknowledged row, and the retry starts there.
            futures = [
                asyncio.ensure_future(
                    js.publish(subject, body.encode(), timeout=5.0,
                               headers={"Nats-Msg-Id": event_id, **self.traces.headers(event_id)})
                )
                for (_id, event_id, subject, body) in rows
            ]
            for (row_id, event_id, *_), future in zip(rows, futures, strict=True):
                try:
                    await future
                except Exception:
                    for rest in futures:
                        rest.cancel()
                    await asyncio.gather(*futures, return_exceptions=True)
                    raise
                done.append((row_id, event_id))
        finally:
            if done:
                # Exactly the rows published, never `id <= last`: on PostgreSQL an id is taken
                # at insert, so a lower id may commit after this batch was read; SQLite reuses
                # the ids of an emptied table, so with a replica's relay on the same database an
                # id read earlier may name a newer row. Both would be deleted unpublished.
                async with self.transaction() as session:
                    await session.execute(delete(self.outbox).where(
                        self.outbox.c.id.in_([row_id for row_id, _ in done])
                        & self.outbox.c.event_id.in_([event_id for _, event_id in done])))
                self.published += len(done)
                self.traces.forget(event_id for _id, event_id, *_ in rows[:len(done)])
        return len(done)
