"""Group commit: concurrent commands share one transaction and one fsync.

On SQLite every commit waits for its own fsync, so a service committing each request alone
manages a few hundred requests a second however fast the rest is. Here each command's body runs
inside a SAVEPOINT of a shared transaction (the first body of a group needs none), one body at a
time; when no further body is waiting, the transaction commits once for all of them and each
caller is answered only then. A body that fails is rolled back to its savepoint alone (the first
body: the whole transaction, which holds nothing else) and its caller gets the error at once.
Nothing is answered before it is durable.

Groups form from the bodies that queue while a commit is under way. On SQLite a commit quicker
than the engine's inline limit runs in the loop's thread (shared.db.inline_sqlite), so bodies
that await nothing on the way commit one by one there: on such a disk a group would save less
than the hand-off to a thread costs. Where commits are slower they run in a worker thread, and
the bodies that arrive meanwhile share the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

class DatabaseBusy(OperationalError):
    """The database was found locked or away a moment ago: not tried again yet."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__("(not tried: the database was busy or away a moment ago)", None,
                         cause)


def _busy(exc: BaseException) -> bool:
    """A database locked (SQLite's busy timeout, PostgreSQL's lock timeout) or away; not a
    conflict of one command (a deadlock or serialisation failure fails that command alone)."""
    if isinstance(exc, PoolTimeout | OSError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    text = str(exc.orig if isinstance(exc, DBAPIError) else exc).lower()
    return isinstance(exc, OperationalError) and any(
        word in text for word in ("locked", "busy", "lock timeout", "could not connect",
                                  "connection"))

_current: contextvars.ContextVar[AsyncSession | None] = contextvars.ContextVar(
    "group_commit_session", default=None
)


class GroupCommitter:
    """Runs command bodies in savepoints of a shared transaction that commits in groups."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, sqlite: bool,
                 max_batch: int = 256) -> None:
        self.sessions = sessions
        self.sqlite = sqlite
        self.max_batch = max_batch
        self._lock = asyncio.Lock()
        self._session: AsyncSession | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._flush_scheduled = False
        self._queued = 0  # bodies waiting for the lock
        self.commits = 0
        self.bodies = 0
        # Bumped each time a body or a commit finds the database locked or away: the bodies
        # that were queued by then fail at once with DatabaseBusy instead of each waiting out
        # the busy timeout in turn (one at a time, the last of a queue would wait minutes for
        # its 503); bodies that come later try the database again.
        self._failures = 0
        self._busy_cause: BaseException | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: yields a session; returns once the work is committed."""
        nested = _current.get()
        if nested is not None:
            # A body inside a body: a savepoint of its own in the same transaction.
            async with nested.begin_nested():
                yield nested
            return
        ticket = self._failures
        self._queued += 1
        try:
            await self._lock.acquire()
        finally:
            self._queued -= 1
        done: asyncio.Future[None] | None = None
        if ticket != self._failures and self._busy_cause is not None:
            self._lock.release()
            raise DatabaseBusy(self._busy_cause)
        try:
            first = self._session is None
            session = await self._open()
            token = _current.set(session)
            try:
                if first:
                    # The group's first body needs no savepoint: if it fails, the transaction
                    # holds nothing else, and the whole of it is rolled back.
                    try:
                        yield session
                    except BaseException:
                        self._session = None
                        try:
                            await session.rollback()
                        finally:
                            await session.close()
                        raise
                else:
                    async with session.begin_nested():
                        yield session
            except BaseException as exc:
                self._note(exc)
                raise
            finally:
                _current.reset(token)
            done = asyncio.get_running_loop().create_future()
            self._waiters.append(done)
            self.bodies += 1
        finally:
            if self._session is not None:
                # Nobody queued behind this body: commit now rather than in a flush task a
                # loop turn later (a lone command pays no extra latency for grouping).
                if self._queued == 0 or len(self._waiters) >= self.max_batch:
                    await self._commit()
                else:
                    self._schedule_flush()
            self._lock.release()
        await done

    def _note(self, exc: BaseException) -> None:
        """A database found locked or away: the bodies queued meanwhile fail fast."""
        if _busy(exc) and not isinstance(exc, DatabaseBusy):
            self._busy_cause = exc
            self._failures += 1

    async def _open(self) -> AsyncSession:
        if self._session is None:
            # On SQLite pysqlite begins the transaction (BEGIN IMMEDIATE, see shared.db.engine)
            # with the first body's first write, so later bodies' SAVEPOINTs nest inside it. A
            # first body that writes nothing leaves no transaction open; a later body's
            # SAVEPOINT then opens its own, committed at its RELEASE: earlier, never later, than
            # the group commit that answers it.
            self._session = self.sessions()
        return self._session

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        # The lock is FIFO: bodies already waiting run first and join this commit.
        async with self._lock:
            self._flush_scheduled = False
            await self._commit()

    async def _commit(self) -> None:
        session, waiters = self._session, self._waiters
        self._session, self._waiters = None, []
        if session is None:
            return
        error: BaseException | None = None
        try:
            await session.commit()
            self.commits += 1
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller
            error = exc
            self._note(exc)
            if _busy(exc):
                log.warning("group commit of %d commands failed: database busy or away (%s)",
                            len(waiters), (str(exc).splitlines() or [""])[0][:200])
            else:
                log.exception("group commit of %d commands failed", len(waiters))
            with contextlib.suppress(Exception):
                await session.rollback()
        finally:
            await session.close()
        for waiter in waiters:
            if waiter.done():
                continue
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)
