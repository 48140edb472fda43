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
    AdviceRecorded,
    AmendedLicence,
    CaseApplication,
    CaseClosed,
    CaseDecided,
    CaseOpened,
    CaseReferred,
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
    SanctionedPartyHit,
    SanctionsHit,
    SanctionsHitDismissed,
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
    sanctions: tuple[SanctionsHit, ...] = ()
    registry_version: str | None = None
    matcher_version: str | None = None
    sanctioned_parties: tuple[SanctionedPartyHit, ...] = ()
    sanctions_list_version: str | None = None
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
class SanctionsDismissal:
    """A ruling that a party's hit on the sanctions list is not the listed entity."""

    entity_id: str
    reason: str
    by: str
    recorded_at: dt.datetime


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
class QueueStep:
    """How the case came into a queue: its routing, or a referral."""

    kind: Literal["routing", "referral"]
    queue: str
    rule: str
    reason: str | None
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class Advice:
    """The MFA's foreign-policy advice on the case (the latest one counts)."""

    event_id: str
    position: Literal["positive", "negative"]
    criteria: tuple[int, ...]
    grounds: tuple[str, ...]
    note: str | None
    by: str
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
    queue_history: tuple[QueueStep, ...] = ()
    screening: Screening = field(default_factory=Screening)
    findings: tuple[Finding, ...] = ()  # one per criterion, by criterion
    dismissals: tuple[Dismissal, ...] = ()
    sanctions_dismissals: tuple[SanctionsDismissal, ...] = ()
    advice: Advice | None = None
    decision: Decision | None = None
    licence_number: str | None = None
    withdrawal: Withdrawal | None = None

    @property
    def queue(self) -> str:
        """The queue that decides the case now (its routing's, or the one it was referred to)."""
        return self.queue_history[-1].queue if self.queue_history else ""

    @property
    def accelerated(self) -> bool:
        """Whether a destination's policy gives the case the accelerated procedure."""
        policy = self.routing.policy if self.routing is not None else None
        return bool(policy and policy.accelerated)

    @property
    def catch_all_requirements(self) -> tuple[str, ...]:
        """The catch-all requirements that made the case a catch-all case."""
        return tuple(self.opened.catch_all_requirements) if self.opened is not None else ()

    @property
    def catch_all(self) -> bool:
        """A catch-all case: the application says so, or a catch-all requirement covers it."""
        app = self.opened.application if self.opened is not None else None
        return bool((app is not None and app.catch_all) or self.catch_all_requirements)

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

    def open_sanctions_hits(self) -> tuple[SanctionedPartyHit, ...]:
        """The parties' hits on the sanctions list no assessor has dismissed."""
        cleared = {d.entity_id for d in self.sanctions_dismissals}
        return tuple(h for h in self.screening.sanctioned_parties if h.entity_id not in cleared)


def decision_time_hours(received_at: dt.datetime, decided_at: dt.datetime) -> float:
    """How long a case took: hours from the application's receipt to its decision."""
    return round((decided_at - received_at).total_seconds() / 3600, 1)


# -- evolve --------------------------------------------------------------------------------------


def evolve(case: Case, event: Recorded[Payload]) -> Case:
    """The case after one of its events; events of its licence leave it as it is."""
    p = event.payload
    match p:
        case CaseOpened():
            return replace(case, status="open", id=p.application_id, reference=p.reference,
                           opened=p, opened_at=event.recorded_at)
        case CaseRouted():
            step = QueueStep(kind="routing", queue=p.queue, rule=p.rule, reason=p.explanation,
                             by=event.by, at=event.recorded_at)
            return replace(case, routing=p, queue_history=(*case.queue_history, step))
        case CaseReferred():
            step = QueueStep(kind="referral", queue=p.to_queue, rule="referral", reason=p.reason,
                             by=event.by, at=event.recorded_at)
            return replace(case, queue_history=(*case.queue_history, step))
        case AdviceRecorded():
            return replace(case, advice=Advice(
                event_id=event.event_id, position=p.position, criteria=tuple(p.criteria),
                grounds=tuple(p.grounds), note=p.note, by=event.by, at=event.recorded_at))
        case ScreeningPending():
            earlier = case.screening.earlier_failures
            if p.retry and case.screening.failure is not None:
                earlier += (EarlierFailure(case.screening.failure, retried_by=event.by,
                                           retried_at=event.recorded_at),)
            return replace(case, screening=Screening(
                status="pending", embargoes=tuple(p.embargoes),
                general_licence_hints=tuple(p.general_licence_hints),
                prohibited=tuple(p.prohibited), proposed_findings=tuple(p.proposed_findings),
                sanctions=tuple(p.sanctions), earlier_failures=earlier))
        case ScreeningCompleted():
            return replace(case, screening=replace(
                case.screening, status="completed", denial_matches=tuple(p.denial_matches),
                sanctions=tuple(p.sanctions), registry_version=p.registry_version,
                matcher_version=p.matcher_version,
                sanctioned_parties=tuple(p.sanctioned_parties),
                sanctions_list_version=p.sanctions_list_version, completed_at=event.recorded_at))
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
        case SanctionsHitDismissed():
            cleared = SanctionsDismissal(entity_id=p.entity_id, reason=p.reason, by=event.by,
                                         recorded_at=event.recorded_at)
            return replace(case, sanctions_dismissals=(*case.sanctions_dismissals, cleared))
        case CaseDecided():
            return replace(case, status="decided", decision=Decision(p, by=event.by))
        case LicenceIssued():
            return replace(case, licence_number=p.licence_number)
        case CaseClosed():
            return replace(case, status="withdrawn",
                           withdrawal=Withdrawal(reason=p.note, at=event.occurred_at))
    return case
