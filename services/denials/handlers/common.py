"""What every denials handler needs: the policy, views of stored rows, paging."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services.denials.db import registry
from services.denials.domain import business_date, is_active
from shared.auth import DUTCH_ROLES, Principal
from shared.clock import utcnow


@dataclass(frozen=True)
class Policy:
    """Deadlines in force: how long a denial stays valid, how long a consulted state has."""

    validity_years: int
    consultation_days: int


def today() -> dt.date:
    """Today in Europe/Amsterdam."""
    return business_date(utcnow())


def is_dutch(who: Principal) -> bool:
    """Whether the caller is a Dutch official (who may see Dutch application ids)."""
    return who.has(*DUTCH_ROLES)


async def bump_registry(session: AsyncSession, by: int = 1) -> None:
    """Move the registry version on, in the transaction that applies the events."""
    await session.execute(update(registry).where(registry.c.id == 1)
                          .values(version=registry.c.version + by))


def denial_view(row: Any, who: Principal, on: dt.date | None = None) -> dict[str, Any]:
    """A denial as a caller may see it: partner states never see the Dutch application id."""
    doc = json.loads(row.document)
    if not is_dutch(who):
        doc.pop("application_id", None)
    on = on or today()
    active = is_active(denied_on=row.denied_on, expires=row.expires_on,
                       revoked_on=row.revoked_on, on=on)
    status = ("revoked" if row.revoked_on is not None and row.revoked_on <= on
              else "active" if active else "expired" if on >= row.expires_on else "pending")
    doc.update({
        "denied_on": row.denied_on.isoformat(),
        "active": active,
        "status": status,
        "active_until": (row.expires_on - dt.timedelta(days=1)).isoformat(),
        "expires_on": row.expires_on.isoformat(),
        "revoked_on": row.revoked_on.isoformat() if row.revoked_on else None,
        "version": row.version,
    })
    return doc
