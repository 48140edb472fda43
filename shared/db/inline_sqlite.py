"""SQLite for asyncio without a hand-off per statement: the `sqlite+inline` dialect.

aiosqlite runs every statement in the driver's own thread: the event loop queues it there and is
woken for the answer, three or four hand-offs a statement, which cost more than the statement
(bench/notes.md: three quarters of a command's time). A SQLite statement on a local file takes
microseconds unless it waits, and only two things wait: taking the write lock held by another
connection (the busy handler) and the fsync of a commit. So here the standard `sqlite3` driver runs
every statement inline, in the event loop's thread, and only the two waits leave it:

- a write transaction begins with `BEGIN IMMEDIATE` tried inline without waiting; if another
  connection holds the lock, it is waited for in a worker thread (the busy timeout as before), so
  the loop stays free for the connection that holds it, which may be its own;
- a commit (the fsync: WAL, `synchronous=FULL`, set by shared.db.engine) runs inline while
  this engine's commits have lately been quicker than its `inline_commit_limit` (5 ms by
  default, `LICENSING_<SVC>_DB_INLINE_COMMIT_LIMIT`), and in a worker thread otherwise. On a
  disk that syncs that fast, handing the commit to a thread and being woken for its end costs
  more than the fsync: intake over HTTP served 290 requests/s, p99 225 ms, with the 5 ms limit
  against 186 and 758 ms with a 1 ms one (which sent this loaded machine's commits to the
  thread often) and about 220 with every commit in a thread (bench/notes.md). On a slower disk
  the commits' own durations send them to the thread, where the loop goes on taking requests
  during the fsync and they join the next group commit (shared.groupcommit).

Durability is the same as before: nothing is answered before its commit returned. Reads in WAL
mode never wait for writers. Used by shared.db.engine for every `sqlite+aiosqlite` URL; the
URL users configure does not change.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.dialects.sqlite.base import SQLiteExecutionContext
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import AdaptedConnection
from sqlalchemy.pool import AsyncAdaptedQueuePool, Pool, StaticPool
from sqlalchemy.util.concurrency import await_, in_greenlet

NAME = "inline"

INLINE_COMMIT_LIMIT = 0.005  # seconds: commits quicker than this lately run inline
_RECENT = 0.2  # weight of the newest commit in the running average of their durations

# Statements pysqlite begins a transaction for (its legacy transaction control), and SAVEPOINT,
# which would otherwise open a deferred transaction that has to upgrade its lock later.
_BEGINS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


async def _in_thread(work: Callable[[], Any]) -> Any:
    """`work` in a worker thread; a caller cancelled meanwhile is told so only once the thread is
    done with the connection (nobody may use it while a commit is under way)."""
    future = asyncio.get_running_loop().run_in_executor(None, work)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(future)
            break
        except asyncio.CancelledError:
            if future.done():
                raise
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return result


async def _nothing() -> None:
    return None


def _seen_async() -> None:
    """Let SQLAlchemy see the statement as async work: its AsyncConnection checks that a
    statement awaited something (a guard against a sync driver by mistake). Awaiting a coroutine
    that returns at once costs two greenlet switches, no hand-off and no turn of the loop."""
    if in_greenlet():
        await_(_nothing())


class InlineCursor:
    """A sqlite3 cursor whose first write of a transaction takes the write lock without making
    the event loop wait for it; its rows are read at once (as SQLAlchemy's asyncio adapters do),
    so a result is independent of what the connection runs next."""

    __slots__ = ("_cursor", "_owner", "_rows", "description")

    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner
        self._cursor = owner._db.cursor()
        self._rows: collections.deque[Any] = collections.deque()
        self.description: Any = None

    def _read(self) -> None:
        self._rows = collections.deque(self._cursor.fetchall())

    def execute(self, operation: str, parameters: Any = ()) -> Any:
        self._owner.begin_for(operation)
        _seen_async()
        cursor = self._cursor
        cursor.execute(operation, parameters)
        self.description = cursor.description
        if self.description:
            self._read()
        return self

    def executemany(self, operation: str, seq_of_parameters: Any) -> Any:
        self._owner.begin_for(operation)
        _seen_async()
        self._cursor.executemany(operation, seq_of_parameters)
        self.description = self._cursor.description
        return self

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Any:
        while self._rows:
            yield self._rows.popleft()

    async def _async_soft_close(self) -> None:
        """What SQLAlchemy's async results call: the rows are already read, nothing to do."""

    def close(self) -> None:
        self._rows.clear()
        self._cursor.close()


class StreamingCursor(InlineCursor):
    """A cursor for `stream()`: its rows are read as they are fetched, a batch at a time
    (`licensing verify` reads a whole store this way), not all at once."""

    __slots__ = ()

    def _read(self) -> None:
        pass

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size or self.arraysize)

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def __iter__(self) -> Any:
        return iter(self._cursor)


class InlineConnection(AdaptedConnection):
    """A sqlite3 connection used from the event loop's thread, waits excepted (module doc)."""

    __slots__ = ("_db", "_dbapi")

    def __init__(self, connection: sqlite3.Connection, dbapi: InlineDBAPI) -> None:
        self._db = connection
        self._dbapi = dbapi
        self._connection = connection  # type: ignore[assignment] # the driver's, for SQLAlchemy

    # -- the two waits -------------------------------------------------------------------------

    def begin_for(self, operation: str) -> None:
        """Begin the write transaction a statement needs, its lock waited for off the loop (for
        as long as the connection's busy timeout says: a caller may have set its own)."""
        conn = self._db
        if conn.in_transaction or conn.isolation_level is None:
            return
        head = operation.lstrip()[:9].upper()
        if not head.startswith(_BEGINS):
            return
        timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute("PRAGMA busy_timeout=0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            conn.execute(f"PRAGMA busy_timeout={int(timeout)}")
            self._off_loop(partial(conn.execute, "BEGIN IMMEDIATE"))
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(timeout)}")

    def commit(self) -> None:
        if not self._db.in_transaction:
            return
        if self._dbapi.commit_seconds < self._dbapi.inline_commit_limit:
            self._timed_commit()
        else:
            self._off_loop(self._timed_commit)

    def _timed_commit(self) -> None:
        started = time.perf_counter()
        self._db.commit()
        took = time.perf_counter() - started
        self._dbapi.commit_seconds += _RECENT * (took - self._dbapi.commit_seconds)

    def _off_loop(self, work: Callable[[], Any]) -> None:
        if in_greenlet():
            await_(_in_thread(work))
        else:  # called outside the async adapter (a pool finalizer): nobody to keep free
            work()

    # -- the rest of the DBAPI connection, inline ----------------------------------------------

    def cursor(self, server_side: bool = False) -> InlineCursor:
        return StreamingCursor(self) if server_side else InlineCursor(self)

    def execute(self, operation: str, parameters: Any = ()) -> Any:
        cursor = self.cursor()
        cursor.execute(operation, parameters)
        return cursor

    def rollback(self) -> None:
        self._db.rollback()

    def close(self) -> None:
        self._db.close()

    @property
    def isolation_level(self) -> str | None:
        level: str | None = self._db.isolation_level
        return level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._db.isolation_level = value  # type: ignore[assignment] # checked by sqlite3

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


class InlineDBAPI:
    """The sqlite3 module, connecting InlineConnections."""

    paramstyle = "qmark"

    def __init__(self, inline_commit_limit: float = INLINE_COMMIT_LIMIT) -> None:
        self.inline_commit_limit = inline_commit_limit
        for name in ("DatabaseError", "Error", "IntegrityError", "NotSupportedError",
                     "OperationalError", "ProgrammingError", "InterfaceError", "DataError",
                     "InternalError", "Warning", "sqlite_version", "sqlite_version_info",
                     "PARSE_COLNAMES", "PARSE_DECLTYPES", "Binary"):
            setattr(self, name, getattr(sqlite3, name))
        self.version = sqlite3.version if hasattr(sqlite3, "version") else "0"
        self.commit_seconds = 0.0  # running average of this engine's commit durations

    def connect(self, *args: Any, **kwargs: Any) -> InlineConnection:
        kwargs["check_same_thread"] = False  # commits and lock waits run in a worker thread
        return InlineConnection(sqlite3.connect(*args, **kwargs), self)


class SQLiteExecutionContext_inline(SQLiteExecutionContext):  # noqa: N801 - SQLAlchemy's
    def create_server_side_cursor(self) -> Any:
        return self._dbapi_connection.cursor(server_side=True)


class SQLiteDialect_inline(SQLiteDialect_pysqlite):  # noqa: N801 - SQLAlchemy's naming
    """pysqlite's dialect, asyncio-capable, statements inline (module doc)."""

    driver = NAME
    is_async = True
    has_terminate = False
    supports_statement_cache = True
    supports_server_side_cursors = True
    execution_ctx_cls = SQLiteExecutionContext_inline

    @classmethod
    def import_dbapi(cls) -> Any:
        return InlineDBAPI()

    @classmethod
    def get_pool_class(cls, url: Any) -> type[Pool]:
        return AsyncAdaptedQueuePool if cls._is_url_file_db(url) else StaticPool

    def get_driver_connection(self, connection: Any) -> Any:
        return connection._db


def register() -> None:
    """Make `sqlite+inline://` known to SQLAlchemy (done by shared.db.engine, not at import)."""
    from sqlalchemy.dialects import registry

    registry.register(f"sqlite.{NAME}", __name__, "SQLiteDialect_inline")
