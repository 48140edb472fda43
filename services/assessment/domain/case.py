"""The case: opened on a submitted application, routed, screened, given findings and
dismissals, then decided or closed; its state as folded from its events.

Every event of a case is on its application's stream (the case id is the application id);
`case_commands` decides the events a command appends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from services.assessment.domain.recorded import Recorded
from shared.contracts import Payload
from shared.contracts.assessment import (
    AmendedLicence,
    CaseApplication,
    CaseClosed,
    CaseDecided,
    CaseOpened,
    CaseRouted,
    DenialMatch,
    EmbargoHit,
    Finding,
    FindingRecorded,
    GeneralLicenceHint,
    LicenceIssued,
    MatchDismissed,
    Prohibition,
    ProposedFinding,
    ScreeningCompleted,
    ScreeningFailed,
    ScreeningPending,
)
from shared.errors import Conflict

CaseStatus = Literal["new", "open", "decided", "withdrawn"]
ScreeningStatus = Literal["pending", "completed", "failed"]


@dataclass(frozen=True)
class Failure:
    """Why the denials registry refused a screening for good."""

    reason: str
    status: int
    problem: Mapping[str, Any]
    failed_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        """The failure as the case shows it."""
        return {"reason": self.reason, "status": self.status, "problem": dict(self.problem),
                "failed_at": self.failed_at.isoformat()}


@dataclass(frozen=True)
class EarlierFailure:
    """A failure an assessor had the screening re-run after."""

    failure: Failure
    retried_by: str
    retried_at: dt.datetime


@dataclass(frozen=True)
class Screening:
    """The case's screening: local findings, and the registry's matches once it answered."""

    status: ScreeningStatus = "pending"
    embargoes: tuple[EmbargoHit, ...] = ()
    denial_matches: tuple[DenialMatch, ...] = ()
    general_licence_hints: tuple[GeneralLicenceHint, ...] = ()
    prohibited: tuple[Prohibition, ...] = ()
    proposed_findings: tuple[ProposedFinding, ...] = ()
    registry_version: str | None = None
    completed_at: dt.datetime | None = None
    failure: Failure | None = None
    earlier_failures: tuple[EarlierFailure, ...] = ()


@dataclass(frozen=True)
class Dismissal:
    """A ruling that a denial match is not essentially identical."""

    denial_id: str
    reason: str
    by: str
    recorded_at: dt.datetime
    via: str | None = None  # "denials" when ruled in the registry


@dataclass(frozen=True)
class Decision:
    """The decision on the case, and who took it."""

    decided: CaseDecided
    by: str


@dataclass(frozen=True)
class Withdrawal:
    """The application was withdrawn while the case was open."""

    reason: str | None
    at: dt.datetime


@dataclass(frozen=True)
class Case:
    """A case as folded from its events; `status` is "new" before it was opened."""

    status: CaseStatus = "new"
    id: str = ""
    reference: str = ""
    opened: CaseOpened | None = None
    opened_at: dt.datetime | None = None
    routing: CaseRouted | None = None
    screening: Screening = field(default_factory=Screening)
    findings: tuple[Finding, ...] = ()  # one per criterion, by criterion
    dismissals: tuple[Dismissal, ...] = ()
    decision: Decision | None = None
    licence_number: str | None = None
    withdrawal: Withdrawal | None = None

    @property
    def queue(self) -> str:
        """The queue that decides the case."""
        return self.routing.queue if self.routing is not None else ""

    @property
    def application(self) -> CaseApplication:
        """The application the case was opened on."""
        if self.opened is None or self.opened.application is None:
            raise Conflict(f"case {self.id} was opened before cases kept their application; "
                           "it cannot be worked on here", code="case-without-application")
        return self.opened.application

    @property
    def amends(self) -> AmendedLicence | None:
        """The licence the application extends or replaces."""
        return self.opened.amends if self.opened is not None else None

    def ruled_on(self, denial_id: str) -> bool:
        """Whether the case already holds a dismissal of this denial's match."""
        return any(d.denial_id == denial_id for d in self.dismissals)


# -- evolve --------------------------------------------------------------------------------------


def evolve(case: Case, event: Recorded[Payload]) -> Case:
    """The case after one of its events; events of its licence leave it as it is."""
    p = event.payload
    match p:
        case CaseOpened():
            return replace(case, status="open", id=p.application_id, reference=p.reference,
                           opened=p, opened_at=event.recorded_at)
        case CaseRouted():
            return replace(case, routing=p)
        case ScreeningPending():
            earlier = case.screening.earlier_failures
            if p.retry and case.screening.failure is not None:
                earlier += (EarlierFailure(case.screening.failure, retried_by=event.by,
                                           retried_at=event.recorded_at),)
            return replace(case, screening=Screening(
                status="pending", embargoes=tuple(p.embargoes),
                general_licence_hints=tuple(p.general_licence_hints),
                prohibited=tuple(p.prohibited), proposed_findings=tuple(p.proposed_findings),
                earlier_failures=earlier))
        case ScreeningCompleted():
            return replace(case, screening=replace(
                case.screening, status="completed", denial_matches=tuple(p.denial_matches),
                registry_version=p.registry_version, completed_at=event.recorded_at))
        case ScreeningFailed():
            return replace(case, screening=replace(case.screening, status="failed", failure=Failure(
                reason=p.reason, status=p.status, problem=p.problem,
                failed_at=event.recorded_at)))
        case FindingRecorded():
            finding = Finding(criterion=p.criterion, finding=p.finding, note=p.note,
                              by=event.by, recorded_at=event.recorded_at)
            others = [f for f in case.findings if f.criterion != p.criterion]
            return replace(case, findings=tuple(sorted([*others, finding],
                                                       key=lambda f: f.criterion)))
        case MatchDismissed():
            ruling = Dismissal(denial_id=p.denial_id, reason=p.reason, by=event.by,
                               recorded_at=event.recorded_at,
                               via="denials" if event.caused_by else None)
            return replace(case, dismissals=(*case.dismissals, ruling))
        case CaseDecided():
            return replace(case, status="decided", decision=Decision(p, by=event.by))
        case LicenceIssued():
            return replace(case, licence_number=p.licence_number)
        case CaseClosed():
            return replace(case, status="withdrawn",
                           withdrawal=Withdrawal(reason=p.note, at=event.occurred_at))
    return case
