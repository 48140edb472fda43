"""Catch-all requirements: a licence requirement imposed ad hoc on an exporter for goods on no
list, for a destination or an end user, on a ground of Regulation (EU) 2021/821 arts. 4, 5, 7;
the applications it covers are catch-all cases. Each requirement is a stream of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from services.assessment.domain.routing import received_on
from shared.contracts import Payload
from shared.contracts.assessment import (
    CaseApplication,
    CatchAllGround,
    CatchAllRequirementImposed,
    CatchAllRequirementLifted,
)
from shared.contracts.types import Company
from shared.errors import Conflict, Invalid, NotFound


@dataclass(frozen=True)
class Requirement:
    """A catch-all requirement as folded from its events (None before it was imposed)."""

    imposed: CatchAllRequirementImposed | None = None
    lifted: CatchAllRequirementLifted | None = None

    def active(self, on: dt.date) -> bool:
        """Whether the requirement holds on `on`: imposed by then, not lifted yet."""
        return (self.imposed is not None and self.imposed.imposed_on <= on
                and (self.lifted is None or on < self.lifted.lifted_on))


def impose(requirement_id: str, *, regime: Literal["dual_use", "military"], exporter: Company,
           goods_description: str, destination: str | None, end_user_name: str | None,
           ground: CatchAllGround,
           note: str | None, imposed_on: dt.date, today: dt.date) -> list[Payload]:
    """Impose a requirement for a destination or an end user (at least one of them)."""
    if destination is None and not end_user_name:
        raise Invalid("a catch-all requirement names the destination or the end user it is for",
                      code="invalid-command")
    if imposed_on > today:
        raise Invalid("imposed_on lies in the future", code="invalid-command")
    return [CatchAllRequirementImposed(
        id=requirement_id, regime=regime, exporter=exporter,
        goods_description=goods_description, destination=destination,
        end_user_name=end_user_name, ground=ground, note=note, imposed_on=imposed_on)]


def lift(requirement: Requirement, requirement_id: str, *, lifted_on: dt.date,
         reason: str) -> list[Payload]:
    """Lift a requirement from a day on, once, not before it was imposed."""
    if requirement.imposed is None:
        raise NotFound(f"no catch-all requirement {requirement_id}")
    if requirement.lifted is not None:
        raise Conflict(f"catch-all requirement {requirement_id} was lifted on "
                       f"{requirement.lifted.lifted_on}")
    if lifted_on < requirement.imposed.imposed_on:
        raise Invalid(f"lifted_on lies before the requirement was imposed "
                      f"({requirement.imposed.imposed_on})", code="invalid-command")
    return [CatchAllRequirementLifted(id=requirement_id, lifted_on=lifted_on, reason=reason)]


def covers(requirement: Requirement, app: CaseApplication) -> bool:
    """Whether a requirement covers an application: the same exporter and regime, to its
    destination or for its end user, in force on the day it was received."""
    imposed = requirement.imposed
    if imposed is None or imposed.exporter.eori != app.applicant.eori:
        return False
    if imposed.regime != app.regime or not requirement.active(received_on(app)):
        return False
    if imposed.destination is not None and imposed.destination in app.destinations:
        return True
    name = (imposed.end_user_name or "").casefold().split()
    return bool(name) and name == app.end_user.name.casefold().split()


def covering(requirements: Sequence[tuple[str, Requirement]],
             app: CaseApplication) -> list[str]:
    """The ids of the requirements that cover an application."""
    return [rid for rid, requirement in requirements if covers(requirement, app)]


def evolve(requirement: Requirement, event: Payload) -> Requirement:
    """The requirement after one of its events."""
    match event:
        case CatchAllRequirementImposed():
            return Requirement(imposed=event)
        case CatchAllRequirementLifted():
            return replace(requirement, lifted=event)
    return requirement
