"""The shapes of assessment's HTTP API: request bodies and the answers of every route.

Answers leave out what the case does not hold yet (a screening's `failure` before it failed):
routes answer with `response_model_exclude_unset`, so a field is either there or absent, as
the read model has it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.assessment import (
    AmendedLicence,
    CaseApplication,
    CatchAllGround,
    CitedAdvice,
    DenialMatch,
    DestinationPolicy,
    EmbargoHit,
    Finding,
    GeneralLicenceHint,
    LetterKind,
    Prohibition,
    ProposedFinding,
    SanctionedPartyHit,
    SanctionsHit,
)
from shared.contracts.types import (
    Company,
    Consignee,
    Country,
    Day,
    Destination,
    EndUser,
    GoodsLine,
    Ground,
    Instant,
    Money,
    Procedure,
    Regime,
)

Text300 = Annotated[str, Field(min_length=1, max_length=300)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str | None, Field(default=None, max_length=2000)]
Queue = Literal["cdiu", "mfa"]
CaseStatus = Literal["open", "decided", "withdrawn"]
ScreeningStatus = Literal["pending", "completed", "failed"]


# -- requests ------------------------------------------------------------------------------------


class FindingIn(BaseModel):
    """A finding on one criterion of Common Position 2008/944/CFSP."""

    model_config = ConfigDict(extra="forbid")
    criterion: int = Field(ge=1, le=8)
    finding: Literal["pass", "concern", "refusal_ground"]
    note: Note = None


class DismissalIn(BaseModel):
    """Dismiss a denial match: the transactions are not essentially identical."""

    model_config = ConfigDict(extra="forbid")
    denial_id: Text300
    reason: Reason


class DecisionIn(BaseModel):
    """An assessor's decision on a case."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["approve", "deny"]
    criteria: list[Annotated[int, Field(ge=1, le=8)]] = Field(default_factory=list,
                                                              max_length=8)
    grounds: list[Ground] = Field(
        default_factory=list, max_length=9,
        description="extension: the regime's grounds beside (dual-use, national) or instead of "
                    "(anti-torture) the criteria; none for military goods")
    note: Note = None
    decided_at: AwareDatetime | None = None


class ReferralIn(BaseModel):
    """Why the CDIU refers a case to the MFA."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason


class AdviceIn(BaseModel):
    """The MFA's foreign-policy advice on a case."""

    model_config = ConfigDict(extra="forbid")
    position: Literal["positive", "negative"]
    criteria: list[Annotated[int, Field(ge=1, le=8)]] = Field(default_factory=list,
                                                              max_length=8)
    grounds: list[Ground] = Field(default_factory=list, max_length=9)
    note: Note = None


class ReasonIn(BaseModel):
    """Why a licence is suspended, reinstated or revoked."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason


class SentIn(BaseModel):
    """When parliament was informed, and how."""

    model_config = ConfigDict(extra="forbid")
    sent_on: dt.date | None = None
    explanation: Annotated[str | None, Field(
        max_length=4000, description="the fast-track is sent with an explanation: give it")
    ] = None
    letter_reference: Annotated[str | None, Field(max_length=300)] = None


class LetterIn(BaseModel):
    """A periodic letter to parliament and the licences it reports, or a notice of the Ministry
    of Defence before a surplus sale (which may list no licence yet)."""

    model_config = ConfigDict(extra="forbid")
    reference: Text300
    sent_on: dt.date
    destination: Destination | None = None
    licence_numbers: list[Text300] = Field(
        max_length=500, description="at least one for a periodic letter")
    note: Note = None
    kind: LetterKind = "periodic_letter"


class ConfidentialIn(BaseModel):
    """Until when a licence is withheld from public reports, and why."""

    model_config = ConfigDict(extra="forbid")
    release_on: dt.date
    reason: Reason


class CatchAllIn(BaseModel):
    """A licence requirement imposed ad hoc on an exporter for goods on no list."""

    model_config = ConfigDict(extra="forbid")
    regime: Literal["dual_use", "military"]
    exporter: Company
    goods_description: Annotated[str, Field(min_length=1, max_length=2000)]
    destination: Country | None = None
    end_user_name: Annotated[str | None, Field(max_length=300)] = None
    ground: CatchAllGround
    note: Note = None
    imposed_on: dt.date


class LiftIn(BaseModel):
    """From when a catch-all requirement no longer holds, and why."""

    model_config = ConfigDict(extra="forbid")
    lifted_on: dt.date
    reason: Reason


class InvestigationIn(BaseModel):
    """Something flagged, referred to the enforcement authority."""

    model_config = ConfigDict(extra="forbid")
    subject_kind: Literal["realisation", "shipment", "case"]
    subject_id: Text300
    reason: Reason
    referred_on: dt.date
    authority: Annotated[str | None, Field(max_length=100)] = None


class OutcomeIn(BaseModel):
    """The outcome of an investigation."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["no_action", "warning", "fine", "prosecution"]
    note: Note = None
    concluded_on: dt.date


class AnswerIn(BaseModel):
    """The answer to a classification request: a rating, or not controlled."""

    model_config = ConfigDict(extra="forbid")
    rating: Annotated[str | None, Field(max_length=40)] = None
    controlled: bool
    note: Note = None


# -- cases ---------------------------------------------------------------------------------------


class CaseSummary(BaseModel):
    """A case in a list."""

    id: str
    application_id: str
    reference: str
    queue: Queue
    status: CaseStatus
    version: int = Field(description="the case's version, also its `ETag`")
    regime: Regime | None
    procedure: Procedure | None
    received_at: Instant | None
    destinations: list[Destination] | None
    value_eur: Money | None
    rule: str = Field(description="the routing rule that chose the queue")
    screening_status: ScreeningStatus
    outcome: Literal["approved", "denied"] | None
    licence_number: str | None
    accelerated: bool = Field(
        False, description="extension: a destination's policy gives the case the accelerated "
                           "procedure (listed first while open)")


class CasePage(BaseModel):
    """One page of cases."""

    items: list[CaseSummary]
    next_cursor: str | None = None


class RoutingView(BaseModel):
    """Who decides the case, by which rule, judged on which day with which reference data."""

    queue: Queue
    rule: str
    reference_version: str
    explanation: str | None = None
    judged_on: Day | None = None
    policy: DestinationPolicy | None = None


class QueueStepView(BaseModel):
    """How the case came into a queue: its routing, or a referral."""

    kind: Literal["routing", "referral"]
    queue: Queue
    rule: str
    reason: str | None
    by: str
    at: Instant


class AdviceView(BaseModel):
    """The MFA's latest foreign-policy advice on the case."""

    event_id: str
    position: Literal["positive", "negative"]
    criteria: list[int]
    grounds: list[Ground]
    note: str | None
    by: str
    recorded_at: Instant


class FailureView(BaseModel):
    """Why the denials registry refused the screening for good."""

    reason: str
    status: int
    problem: dict[str, Any]
    failed_at: Instant


class EarlierFailureView(FailureView):
    """A failure an assessor had the screening re-run after."""

    retried_by: str
    retried_at: Instant


class ScreeningView(BaseModel):
    """The case's screening; `last_error` says why a pending one did not run yet."""

    status: ScreeningStatus
    embargoes: list[EmbargoHit]
    denial_matches: list[DenialMatch]
    general_licence_hints: list[GeneralLicenceHint]
    prohibited: list[Prohibition]
    proposed_findings: list[ProposedFinding]
    sanctions: list[SanctionsHit] = []
    registry_version: str | None
    matcher_version: str | None = Field(
        None, description="extension: the denials matcher that judged the names")
    sanctioned_parties: list[SanctionedPartyHit] | None = Field(
        None, description="extension: parties found on the EU financial sanctions list")
    sanctions_list_version: str | None = Field(
        None, description="extension: the sanctions list version screened (its generationDate)")
    completed_at: Instant | None = None
    failure: FailureView | None = None
    earlier_failures: list[EarlierFailureView] | None = None
    last_error: str | None = None


class BlockerView(BaseModel):
    """A matched denial an approval waits for."""

    denial_id: str
    state: str | None
    consultations: list[str]
    consultation_status: Literal["open", "not_opened"]


class ConsultationView(BaseModel):
    """A consultation the Netherlands opened on the case's reference."""

    id: str
    denial_id: str
    consulting_state: str | None
    denying_state: str | None
    status: Literal["open", "closed"]
    decision: str | None
    opened_at: Instant | None


class ConsultationState(BaseModel):
    """Whether approval waits for a consultation obligation, and the consultations."""

    blocked: bool
    blockers: list[BlockerView]
    consultations: list[ConsultationView]


class DismissalView(BaseModel):
    """A ruling that a denial match is not essentially identical."""

    denial_id: str
    reason: str
    by: str
    recorded_at: Instant
    via: Literal["denials"] | None = Field(
        None, description="`denials` when ruled in the denials registry")


class SanctionsDismissalView(BaseModel):
    """A ruling that a party's hit on the sanctions list is not the listed entity."""

    entity_id: str
    reason: str
    by: str
    recorded_at: Instant


class SanctionedPartyView(SanctionedPartyHit):
    """A party's hit on the sanctions list, and its dismissal once ruled."""

    dismissal: SanctionsDismissalView | None = None


class SanctionsDismissalIn(BaseModel):
    """Dismiss a sanctions hit: the party is not the listed entity."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason


class DecisionView(BaseModel):
    """The decision on the case, as `CaseDecided` records it, and who took it."""

    application_id: str
    reference: str
    outcome: Literal["approved", "denied"]
    criteria: list[int]
    note: str | None
    decided_at: Instant
    queue: Queue
    decided_on: Day | None = None
    regime: Regime | None = None
    procedure: Procedure | None = None
    transaction: str | None = None
    destinations: list[Destination] | None = None
    end_user: EndUser | None = None
    consignee: Consignee | None = None
    goods: list[GoodsLine] | None = None
    value_eur: Money | None = None
    findings: list[Finding] = []
    grounds: list[Ground] = []
    advice: CitedAdvice | None = None
    catch_all: bool | None = None
    by: str


class WithdrawalView(BaseModel):
    """The application was withdrawn while the case was open."""

    reason: str | None
    at: Instant


class CaseView(CaseSummary):
    """One case with its routing, screening, consultation state, findings and decision."""

    routing: RoutingView
    screening: ScreeningView
    embargoes: list[EmbargoHit]
    denial_matches: list[DenialMatch]
    general_licence_hints: list[GeneralLicenceHint]
    consultation: ConsultationState
    findings: list[Finding]
    dismissals: list[DismissalView]
    decision: DecisionView | None
    amends: AmendedLicence | None
    withdrawal: WithdrawalView | None
    application: CaseApplication | None
    queue_history: list[QueueStepView] = Field(
        [], description="extension: each routing and referral, with time, actor and reason")
    advice: AdviceView | None = None
    catch_all_requirements: list[str] = Field(
        [], description="extension: the catch-all requirements that make this a catch-all case")
    decision_time_hours: float | None = Field(
        None, description="extension: hours from receipt to decision, once decided")
    sanctioned_parties: list[SanctionedPartyView] = Field(
        [], description="extension: parties of the case found on the EU financial sanctions "
                        "list (applicant or broker, consignee, end user), each with its "
                        "dismissal; an undismissed hit blocks approval")
    sanctions_dismissals: list[SanctionsDismissalView] = Field(
        [], description="extension: the sanctions hits ruled not the listed entity")
    sanctions_blocked: bool = Field(
        False, description="extension: whether a sanctions hit still blocks approval")


# -- licences and notices to parliament ----------------------------------------------------------


class LicenceChangeView(BaseModel):
    """A suspension, reinstatement or revocation."""

    action: Literal["suspend", "reinstate", "revoke"]
    reason: str
    by: str
    at: Instant


class ConfidentialView(BaseModel):
    """Withheld from public reports until `release_on`."""

    release_on: Day
    reason: str
    by: str
    at: Instant


class LicenceView(BaseModel):
    """A licence as issued, its status now, its history and the licences amending it."""

    licence_number: str
    application_id: str
    reference: str
    regime: Regime
    licence_type: Literal["individual", "global"]
    transaction: str
    purpose: Literal["definitive", "temporary", "return_after_repair"]
    catch_all: bool
    destinations: list[Destination]
    destination_group: Literal["EU", "EU_NATO_PLUS"] | None
    origins: list[Country]
    goods: list[GoodsLine]
    value_eur: Money
    service_value_eur: Money | None
    valid_from: Day
    valid_until: Day = Field(description="the last valid day")
    decided_at: Instant
    amends: AmendedLicence | None
    decided_on: Day | None = None
    applicant: Company | None = None
    end_user: EndUser | None = None
    consignee: Consignee | None = None
    end_use: str | None = None
    queue: Queue | None = None
    status: Literal["active", "suspended", "revoked"]
    history: list[LicenceChangeView]
    amended_by: list[str]
    confidential: ConfidentialView | None = None


class NotificationView(BaseModel):
    """A licence parliament is told about on the fast-track."""

    id: str
    licence_number: str
    application_id: str
    destination: Destination
    description: str
    value_eur: Money
    decided_on: Day
    due_by: Day | None = Field(description="null for a periodic letter (never overdue)")
    sent_on: Day | None
    status: Literal["due", "overdue", "sent"]
    kind: Literal["fast_track", "periodic_letter"] = "fast_track"
    explanation: str | None = None
    letter_reference: str | None = None


class NotificationPage(BaseModel):
    """One page of notices to parliament."""

    items: list[NotificationView]
    next_cursor: str | None = None


class LetterView(BaseModel):
    """A letter to parliament (`kind`): the licences it lists, and those whose notice it sent."""

    id: str
    reference: str
    sent_on: Day
    destination: Destination | None
    licence_numbers: list[str]
    note: str | None
    kind: LetterKind = "periodic_letter"
    reported: list[str]
    recorded_at: Instant


class LetterPage(BaseModel):
    """One page of letters to parliament."""

    items: list[LetterView]
    next_cursor: str | None = None


# -- catch-all requirements and investigations ---------------------------------------------------


class CatchAllView(BaseModel):
    """A catch-all requirement; `active` when it holds today."""

    id: str
    regime: Literal["dual_use", "military"]
    exporter: Company
    goods_description: str
    destination: Country | None
    end_user_name: str | None
    ground: CatchAllGround
    note: str | None
    imposed_on: Day
    lifted_on: Day | None
    lift_reason: str | None
    active: bool


class CatchAllPage(BaseModel):
    """One page of catch-all requirements."""

    items: list[CatchAllView]
    next_cursor: str | None = None


class InvestigationView(BaseModel):
    """A referral for investigation; `age_days` while it is open."""

    id: str
    subject_kind: Literal["realisation", "shipment", "case"]
    subject_id: str
    reason: str
    referred_on: Day
    authority: str | None
    status: Literal["open", "closed"]
    outcome: Literal["no_action", "warning", "fine", "prosecution"] | None
    note: str | None
    concluded_on: Day | None
    age_days: int | None


class InvestigationPage(BaseModel):
    """One page of referrals for investigation."""

    items: list[InvestigationView]
    next_cursor: str | None = None


# -- classification requests ---------------------------------------------------------------------


class AnswerView(BaseModel):
    """The specialists' answer to a classification request."""

    request_id: str
    rating: str | None
    controlled: bool
    note: str | None
    by: str
    answered_at: Instant


class ClassificationRequestView(BaseModel):
    """A question from intake whether a good is controlled, and its answer once given."""

    id: str
    description: str
    technical_data: str
    applicant: Company | None = None
    reference: str | None = None
    requested_at: Instant
    answer: AnswerView | None
    status: Literal["open", "answered"]


class ClassificationPage(BaseModel):
    """One page of classification requests."""

    items: list[ClassificationRequestView]
    next_cursor: str | None = None
