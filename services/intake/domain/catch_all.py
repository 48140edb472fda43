"""Catch-all requirements as intake applies them: from the day assessment imposes one until it
is lifted, a use of a general licence by that exporter to that destination is flagged, and a
shipment under a licence of that exporter to that country is refused, citing the requirement.

A requirement that names only an end user (no destination) is judged where cases are opened,
in assessment: a realisation or a shipment names no end user intake could compare.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from shared.contracts import Payload
from shared.contracts.assessment import CatchAllRequirementImposed, CatchAllRequirementLifted
from shared.contracts.intake import Flag


@dataclass(frozen=True)
class Requirement:
    """A licence requirement imposed ad hoc on an exporter for a destination."""

    id: str
    exporter_eori: str
    destination: str | None
    ground: str
    imposed_on: dt.date
    lifted_on: dt.date | None = None

    def covers(self, *, eori: str, destination: str, on: dt.date) -> bool:
        """Whether it covers an export by `eori` to `destination` on `on`."""
        return (self.exporter_eori == eori and self.destination == destination
                and self.imposed_on <= on and (self.lifted_on is None or on < self.lifted_on))

    def sentence(self, destination: str) -> str:
        """What it says, for a flag or a refusal."""
        return (f"catch-all requirement {self.id} ({self.ground}), imposed on {self.imposed_on}, "
                f"covers exports by {self.exporter_eori} to {destination}")


def imposed(event: CatchAllRequirementImposed) -> Requirement:
    """The requirement as imposed."""
    return Requirement(id=event.id, exporter_eori=event.exporter.eori,
                       destination=event.destination, ground=event.ground,
                       imposed_on=event.imposed_on)


def evolve(requirement: Requirement, event: Payload) -> Requirement:
    """The requirement after a later event of its stream."""
    match event:
        case CatchAllRequirementLifted() if event.id == requirement.id:
            return replace(requirement, lifted_on=event.lifted_on)
    return requirement


def covering(requirements: Iterable[Requirement], *, eori: str,
             destinations: Iterable[str], on: dt.date) -> list[tuple[Requirement, str]]:
    """The requirements covering an export by `eori` to any of `destinations` on `on`."""
    targets = list(destinations)
    return [(r, d) for r in requirements for d in targets
            if r.covers(eori=eori, destination=d, on=on)]


def requirement_flags(requirements: Iterable[Requirement], *, eori: str,
                      destinations: Iterable[str], on: dt.date) -> list[Flag]:
    """A flag per requirement covering a use of a general licence."""
    return [Flag(code="catch-all-requirement", text=r.sentence(d), cited=r.id)
            for r, d in covering(requirements, eori=eori, destinations=destinations, on=on)]
