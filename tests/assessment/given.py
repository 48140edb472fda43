"""Given events, when a command, then events: the case and the licence with no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from services.assessment.domain import dossier
from services.assessment.domain.dossier import Dossier
from services.assessment.domain.recorded import Recorded, fold
from shared.contracts import Payload
from shared.contracts.assessment import CaseApplication
from tests.assessment.conftest import application

T0 = dt.datetime(2024, 5, 2, 10, tzinfo=dt.UTC)


def app(**changes: Any) -> CaseApplication:
    """An application as intake accepted it (see `conftest.application`)."""
    return CaseApplication.model_validate(application(**changes))


def recorded(events: Iterable[Payload], *, by: str = "system", at: dt.datetime = T0,
             caused_by: str | None = None) -> list[Recorded[Payload]]:
    """Events as recorded by `by`, a minute apart from `at`."""
    return [Recorded(e, recorded_at=at + dt.timedelta(minutes=i),
                     occurred_at=at + dt.timedelta(minutes=i), by=by, caused_by=caused_by)
            for i, e in enumerate(events)]


def given(*steps: Sequence[Payload] | Recorded[Payload] | Sequence[Recorded[Payload]]
          ) -> Dossier:
    """The case and licence after these events (payloads are recorded by the system)."""
    state = Dossier()
    for step in steps:
        items = [step] if isinstance(step, Recorded) else list(step)
        for item in items:
            event = item if isinstance(item, Recorded) else recorded([item])[0]
            state = fold(dossier.evolve, state, [event])
    return state


def types(events: Iterable[Payload]) -> list[str]:
    """The type names of events."""
    return [e.event_type for e in events]
