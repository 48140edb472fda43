"""The consultation aggregate: a state consults the denying state before deciding an essentially
identical case; the denying state replies; the consulting state records its outcome, and a grant
despite the denial is notified to the denier. Decided and folded without I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from services.denials.domain.denial import Denial
from services.denials.domain.dutch import NETHERLANDS
from services.denials.domain.validity import Policy, is_active
from shared.clock import business_date
from shared.contracts.base import Payload
from shared.contracts.denials import (
    ConsultationClosed,
    ConsultationOpened,
    ConsultationReplied,
    GrantNotified,
)
from shared.errors import Conflict, Forbidden, NotFound

Status = Literal["open", "answered", "closed"]
Party = Literal["consulting", "denying"]


@dataclass(frozen=True)
class Consultation:
    """A consultation as its stream tells it (before it is opened there is none: None)."""

    opened: ConsultationOpened
    replied: ConsultationReplied | None = None
    closed: ConsultationClosed | None = None
    grant: GrantNotified | None = None

    @property
    def id(self) -> str:
        """The consultation's id (its stream)."""
        return self.opened.id

    @property
    def status(self) -> Status:
        """Where it stands: open until answered, closed once the outcome is recorded."""
        if self.closed is not None:
            return "closed"
        return "answered" if self.replied is not None else "open"


def party(*, consulting_state: str, denying_state: str, state: str | None) -> Party | None:
    """Which party a state is to a consultation, or None: a stranger to it."""
    if state is None:
        return None
    if consulting_state == state:
        return "consulting"
    if denying_state == state:
        return "denying"
    return None


def shown_status(status: str, due_by: dt.date, today: dt.date) -> str:
    """The status shown: `overdue` is an open consultation past its due date."""
    if status == "open" and today > due_by:
        return "overdue"
    return status


# -- commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenConsultation:
    """The consulting state asks the denying state about its case `application_ref`.

    `application_id` is the Dutch application of that reference, if there is one.
    """

    id: str
    denial_id: str
    application_ref: str
    question: str
    by_state: str | None
    at: dt.datetime
    application_id: str | None = None


@dataclass(frozen=True)
class Reply:
    """The denying state answers."""

    consultation_id: str
    by_state: str | None
    answer: str
    note: str | None
    at: dt.datetime


@dataclass(frozen=True)
class RecordOutcome:
    """The consulting state records its decision on the case."""

    consultation_id: str
    by_state: str | None
    decision: Literal["granted", "denied"]
    reasons: str
    at: dt.datetime


# -- decisions ------------------------------------------------------------------------------


def open_consultation(cmd: OpenConsultation, *, denial: Denial | None, running: str | None,
                      policy: Policy) -> list[Payload]:
    """Consult on another state's active denial, one consultation at a time per case.

    `running` is a consultation of the same state, denial and case not yet closed.
    """
    if not cmd.by_state:
        raise Forbidden("the token names no state; a partner token needs a `state` claim")
    if denial is None:
        raise NotFound(f"no denial {cmd.denial_id}")
    if denial.state == cmd.by_state:
        raise Conflict(f"denial {denial.id} is your own ({cmd.by_state}); a state does not "
                       "consult itself")
    on = business_date(cmd.at)
    if not is_active(denied_on=denial.denied_on, expires=denial.expires_on,
                     revoked_on=denial.revoked_on, on=on):
        raise Conflict(f"denial {denial.id} is no longer active; there is nothing to consult on")
    if running is not None:
        raise Conflict(f"consultation {running} on this denial and application is still "
                       "running", consultation_id=running)
    return [ConsultationOpened(
        id=cmd.id, denial_id=denial.id, consulting_state=cmd.by_state,
        denying_state=denial.state, application_ref=cmd.application_ref,
        question=cmd.question, due_by=on + dt.timedelta(days=policy.consultation_days),
        opened_at=cmd.at, denial_reference=denial.notification.reference,
        # Only a Dutch case names its application: another state's reference is its own.
        application_id=cmd.application_id if cmd.by_state == NETHERLANDS else None)]


def _as_party(consultation: Consultation | None, consultation_id: str,
              state: str | None) -> tuple[Consultation, Party]:
    # A state that is no party learns nothing, not even that the consultation exists.
    who = None if consultation is None else party(
        consulting_state=consultation.opened.consulting_state,
        denying_state=consultation.opened.denying_state, state=state)
    if consultation is None or who is None:
        raise NotFound(f"no consultation {consultation_id}")
    return consultation, who


def reply(consultation: Consultation | None, cmd: Reply) -> list[Payload]:
    """Only the denying state replies, and only while the consultation is open."""
    current, who = _as_party(consultation, cmd.consultation_id, cmd.by_state)
    if who != "denying":
        raise Forbidden(f"only the denying state {current.opened.denying_state} may reply to "
                        "this consultation")
    if current.status != "open":
        raise Conflict(f"the consultation is {current.status}; it was already answered")
    return [ConsultationReplied(id=current.id, answer=cmd.answer, note=cmd.note,
                                replied_at=cmd.at)]


def record_outcome(consultation: Consultation | None, cmd: RecordOutcome) -> list[Payload]:
    """Only the consulting state records the outcome, once; a grant despite the denial is
    notified to the denying state with the reasons."""
    current, who = _as_party(consultation, cmd.consultation_id, cmd.by_state)
    opened = current.opened
    if who != "consulting":
        raise Forbidden(f"only the consulting state {opened.consulting_state} may record the "
                        "outcome")
    if current.closed is not None:
        raise Conflict(f"the consultation is closed; its outcome was {current.closed.decision}")
    events: list[Payload] = [ConsultationClosed(
        id=current.id, decision=cmd.decision, reasons=cmd.reasons,
        application_ref=opened.application_ref, consulting_state=opened.consulting_state,
        denying_state=opened.denying_state, denial_id=opened.denial_id, closed_at=cmd.at)]
    if cmd.decision == "granted":
        events.append(GrantNotified(
            consultation_id=current.id, denial_id=opened.denial_id,
            denying_state=opened.denying_state, reasons=cmd.reasons,
            consulting_state=opened.consulting_state, application_ref=opened.application_ref,
            denial_reference=opened.denial_reference, notified_at=cmd.at))
    return events


# -- evolve ---------------------------------------------------------------------------------


def evolve(consultation: Consultation | None, event: Payload) -> Consultation | None:
    """The consultation after one of its events."""
    if isinstance(event, ConsultationOpened):
        return Consultation(opened=event)
    if consultation is None:
        return None
    match event:
        case ConsultationReplied():
            return replace(consultation, replied=event)
        case ConsultationClosed():
            return replace(consultation, closed=event)
        case GrantNotified():
            return replace(consultation, grant=event)
    return consultation
