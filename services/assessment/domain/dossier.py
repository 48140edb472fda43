"""What assessment records on one application's stream: the case and its licence."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.assessment.domain import case as case_state
from services.assessment.domain import licence as licence_state
from services.assessment.domain.case import Case
from services.assessment.domain.licence import Licence
from services.assessment.domain.recorded import Recorded
from shared.contracts import Payload


@dataclass(frozen=True)
class Dossier:
    """The case and the licence folded from one application's stream."""

    case: Case = field(default_factory=Case)
    licence: Licence = field(default_factory=Licence)


def evolve(dossier: Dossier, event: Recorded[Payload]) -> Dossier:
    """Both aggregates after one event of the stream (each ignores the other's events)."""
    return Dossier(case=case_state.evolve(dossier.case, event),
                   licence=licence_state.evolve(dossier.licence, event))
