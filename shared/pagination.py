"""Cursor pagination: `{"items": [...], "next_cursor"}` with an opaque cursor."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

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


def _iso(value: Any) -> Any:
    return value.isoformat()


def _from_iso(value: Any) -> Any:
    return dt.datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class Keyset:
    """The order of a list: a sort column (a time by default) and a unique id column."""

    sort: ColumnElement[Any]
    id: ColumnElement[Any]
    descending: bool = False
    # How the sort value is written into a cursor and read back.
    dump: Callable[[Any], Any] = _iso
    load: Callable[[Any], Any] = _from_iso


async def keyset_page(session: AsyncSession, query: Select[Any], keyset: Keyset, *, limit: int,
                      cursor: str | None) -> tuple[list[Any], str | None]:
    """One page of rows in keyset order after `cursor`, and the cursor of the next page."""
    if cursor:
        position = decode_cursor(cursor)
        try:
            after, after_id = keyset.load(position["t"]), position["id"]
        except (KeyError, TypeError, ValueError) as exc:
            raise Problem(400, "Invalid cursor", "the cursor is not one this service issued",
                          kind="invalid-cursor") from exc
        if keyset.descending:
            query = query.where(or_(keyset.sort < after,
                                    and_(keyset.sort == after, keyset.id < after_id)))
        else:
            query = query.where(or_(keyset.sort > after,
                                    and_(keyset.sort == after, keyset.id > after_id)))
    order = ((keyset.sort.desc(), keyset.id.desc()) if keyset.descending
             else (keyset.sort, keyset.id))
    rows = list((await session.execute(query.order_by(*order).limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]._mapping
    return rows, encode_cursor({"t": keyset.dump(last[keyset.sort.key]),
                                "id": last[keyset.id.key]})
