"""What every intake command shares: fingerprints of request bodies and idempotent replays."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Select

from shared.envelope import canonical_json
from shared.errors import Conflict
from shared.service import Runtime


def body_hash(body: dict[str, Any]) -> str:
    """A fingerprint of a request body, to tell a retry from a different request."""
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


async def rows_after_conflict(runtime: Runtime, query: Select[Any]) -> list[Any]:
    """The rows a unique-constraint conflict ran into, read as a unit of work of their own.

    The row in the way may be a concurrent twin's, written earlier in the same commit group and
    not committed yet. A unit of work shares the group's transaction, so it sees that row, and
    it returns only once the group is durable: the answer never names a row that could vanish.
    """
    async with runtime.transaction() as session:
        return list((await session.execute(query)).all())


def key_reused(what: str, resource_id: str) -> Conflict:
    """The conflict of an idempotency key sent again with another body."""
    return Conflict(f"this Idempotency-Key was used for {what} {resource_id} with a different "
                    "body; send a new key for a new request",
                    code="idempotency-conflict", resource_id=resource_id)
