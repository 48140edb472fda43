"""What every handler needs: the runtime, the reference data, the settings, and case loading."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.db import cases, consultations
from services.assessment.domain import DomainError
from services.assessment.settings import Settings
from shared.envelope import canonical_json
from shared.reference import ReferenceData
from shared.service import Runtime


class NotFound(DomainError):
    """No such case, licence, notification or request."""

    status = 404
    kind = "not-found"


class PreconditionFailed(DomainError):
    """The caller's `If-Match` version is not the current one."""

    kind = "version-conflict"


@dataclass
class Context:
    """The service's collaborators, built once at start."""

    runtime: Runtime
    ref: ReferenceData
    settings: Settings

    @property
    def fast_track_threshold(self) -> Decimal:
        """The fast-track value threshold: the setting, else the reference data."""
        if self.settings.fast_track_threshold_eur is not None:
            return self.settings.fast_track_threshold_eur
        return self.ref.fast_track_threshold_eur

    @property
    def fast_track_days(self) -> int:
        """Days parliament must be told within: the setting, else the reference data."""
        return self.settings.fast_track_days or self.ref.fast_track_days


@dataclass
class LoadedCase:
    """A case row with its parsed document."""

    id: str
    reference: str
    queue: str
    status: str
    version: int
    doc: dict[str, Any]

    def view(self) -> dict[str, Any]:
        """The document plus the row's columns, what the domain functions read."""
        return {**self.doc, "status": self.status, "queue": self.queue}


async def load_case(session: AsyncSession, case_id: str) -> LoadedCase:
    """The case, or NotFound."""
    row = (await session.execute(select(cases).where(cases.c.id == case_id))).first()
    if row is None:
        raise NotFound(f"no case {case_id}")
    return LoadedCase(id=row.id, reference=row.reference, queue=row.queue, status=row.status,
                      version=row.version, doc=json.loads(row.document))


def check_if_match(case: LoadedCase, if_match: int | None) -> None:
    """Refuse a command based on an older version of the case."""
    if if_match is not None and if_match != case.version:
        raise PreconditionFailed(
            f"the case is at version {case.version}, not {if_match}; reload it and retry",
            current_version=case.version)


async def save_case(session: AsyncSession, case: LoadedCase, *, version: int,
                    **columns: Any) -> None:
    """Write the case's read model after its events were appended at `version`."""
    await session.execute(
        update(cases).where(cases.c.id == case.id)
        .values(document=canonical_json(case.doc), version=version, **columns))


async def case_consultations(session: AsyncSession, reference: str) -> list[dict[str, Any]]:
    """Consultations the Netherlands opened on this application's reference."""
    rows = (await session.execute(
        select(consultations).where(consultations.c.application_ref == reference)
        .order_by(consultations.c.opened_at, consultations.c.id))).all()
    return [{"id": r.id, "denial_id": r.denial_id, "consulting_state": r.consulting_state,
             "denying_state": r.denying_state, "status": r.status, "decision": r.decision,
             "opened_at": r.opened_at.isoformat() if r.opened_at else None}
            for r in rows if r.consulting_state in (None, "NL")]
