"""Which database errors may pass: the same unit of work, tried again, may succeed."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

# PostgreSQL: a serialization failure, a deadlock (the server chose this transaction as its
# victim and rolled it back), a lock not available. Two replicas writing one database meet them.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def may_pass(exc: BaseException) -> bool:
    """A database that is locked, busy, away, or that rolled this work back to break a deadlock."""
    if isinstance(exc, OperationalError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in RETRYABLE_SQLSTATES
