"""Cursor pagination: `{"items": [...], "next_cursor"}` with an opaque cursor."""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import BaseModel

from shared.problems import Problem


class Page(BaseModel):
    """One page of a list."""

    items: list[Any]
    next_cursor: str | None = None


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque cursor for a position in a list."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The position a cursor stands for; 400 for a cursor we did not make."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(value, dict):
            raise ValueError("not an object")
        return value
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "Invalid cursor", "the cursor is not one this service issued",
                      kind="invalid-cursor") from exc
