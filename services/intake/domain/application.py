"""The application aggregate: submitted by customs, followed through assessment, withdrawn.

Its state is folded from intake's events on the application's stream (submitted, withdrawn) and
from assessment's events about it (case opened or routed, decided, licence issued), in the order
intake handled them; events of other kinds (shipments on the same stream) leave it be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from services.intake.domain.application_rules import (
    application_errors,
    goods_value,
    registers_used,
)
from services.intake.domain.prerequisites import Registers, compliance_programme
from shared.clock import business_date
from shared.contracts import Payload
from shared.contracts.assessment import CaseDecided, CaseOpened, CaseRouted, LicenceIssued
from shared.contracts.intake import ApplicationSubmitted, ApplicationWithdrawn
from shared.errors import Conflict, FieldError, Invalid, NotFound
from shared.reference import ReferenceData

Status = Literal["submitted", "under_assessment", "approved", "denied", "withdrawn"]
UNDECIDED: tuple[Status, ...] = ("submitted", "under_assessment")


@dataclass(frozen=True)
class Decision:
    """Assessment's decision as customs sees it: when, and for a denial the criteria."""

    decided_at: dt.datetime
    criteria: tuple[int, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Application:
    """An application as intake knows it; `submitted` is None before it exists."""

    submitted: ApplicationSubmitted | None = None
    status: Status | None = None
    licence_number: str | None = None
    decision: Decision | None = None

    @property
    def undecided(self) -> bool:
        """Whether assessment has not decided it and customs has not withdrawn it."""
        return self.status in UNDECIDED


NEW = Application()


@dataclass(frozen=True)
class SubmitApplication:
    """Customs submits an application: the fields it posted, as their schema read them."""

    application_id: str
    fields: Mapping[str, Any]
    received_at: dt.datetime


@dataclass(frozen=True)
class WithdrawApplication:
    """Customs withdraws an undecided application."""

    application_id: str
    reason: str | None = None


def decide_submit(app: Application, cmd: SubmitApplication, ref: ReferenceData, *,
                  now: dt.datetime, registers: Registers, amended_licence_known: bool = True
                  ) -> list[Payload]:
    """The application as accepted, or Invalid naming every rule it breaks.

    `registers` hold the prerequisites' registers; `amended_licence_known` says whether intake
    knows the licence an amendment names.
    """
    if app.submitted is not None:
        raise Conflict(f"application {cmd.application_id} exists already")
    draft = ApplicationSubmitted.model_validate({
        **cmd.fields, "id": cmd.application_id, "received_at": cmd.received_at,
        "value_eur": goods_value(cmd.fields["goods"])})
    errors = application_errors(draft, ref, now=now)
    prerequisite, consulted = compliance_programme(
        draft, registers, on=business_date(min(draft.received_at, now)))
    errors += prerequisite
    if draft.amends is not None and not amended_licence_known:
        errors.append(FieldError(("body", "amends", "licence_number"),
                                 f"no licence {draft.amends.licence_number} is known"))
    if errors:
        raise Invalid(errors=errors)
    return [draft.model_copy(update={"registers": [*registers_used(draft, ref), *consulted]})]


def decide_withdraw(app: Application, cmd: WithdrawApplication) -> list[Payload]:
    """The withdrawal; nothing when withdrawn already; Conflict once decided."""
    if app.submitted is None:
        raise NotFound(f"no application {cmd.application_id}")
    if app.status == "withdrawn":
        return []
    if not app.undecided:
        raise Conflict(f"application {cmd.application_id} was {app.status}; only an undecided "
                       "application can be withdrawn", code="already-decided",
                       status_now=app.status)
    return [ApplicationWithdrawn(application_id=cmd.application_id, reason=cmd.reason)]


def evolve(app: Application, event: Payload) -> Application:
    """The application after one event, intake's or assessment's."""
    match event:
        case ApplicationSubmitted():
            return Application(submitted=event, status="submitted")
        case ApplicationWithdrawn():
            return replace(app, status="withdrawn")
        case CaseOpened() | CaseRouted() if app.status == "submitted":
            return replace(app, status="under_assessment")
        case CaseDecided() if app.undecided:
            # A withdrawal that got in first stands: a decided case of it changes nothing.
            return replace(app, status=event.outcome, decision=Decision(
                decided_at=event.decided_at, criteria=tuple(event.criteria), note=event.note))
        case LicenceIssued():
            status = "approved" if app.undecided else app.status
            return replace(app, licence_number=event.licence_number, status=status)
    return app


def fold(events: Iterable[Payload], app: Application = NEW) -> Application:
    """The application after these events, in order."""
    for event in events:
        app = evolve(app, event)
    return app
