"""What every intake command shares: fingerprints of request bodies and idempotent replays."""

from __future__ import annotations

import hashlib
from typing import Any, cast

from sqlalchemy import CursorResult, Result

from shared.envelope import canonical_json
from shared.problems import Problem


def body_hash(body: dict[str, Any]) -> str:
    """A fingerprint of a request body, to tell a retry from a different request."""
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE touched."""
    return cast(CursorResult[Any], result).rowcount


def key_reused(what: str, resource_id: str) -> Problem:
    """The 409 for an idempotency key sent again with another body."""
    return Problem(409, "Idempotency key reused",
                   f"this Idempotency-Key was used for {what} {resource_id} with a different "
                   "body; send a new key for a new request",
                   kind="idempotency-conflict", resource_id=resource_id)
