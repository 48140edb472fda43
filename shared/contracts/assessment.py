"""The events assessment records: a case's life (opening, routing, screening, findings,
decision), its licence's life, fast-track notices to parliament, classification answers.

Every event of a case and of its licence is on the application's stream (its id); a
classification answer is on the request's stream.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from shared.contracts.base import Payload, contract
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
    PersonalDataErasedFacts,
    Procedure,
    Regime,
    RegisterUsed,
    Transaction,
    Value,
)

event = contract("assessment")

APP = "6f1c2d9e-0000-4000-8000-000000000001"
LICENCE = "NL-ML-2024-000001"
Queue = Literal["cdiu", "mfa"]
LetterKind = Literal["periodic_letter", "defence_surplus_notice"]
Criterion = Annotated[int, Field(ge=1, le=8)]


class Amendment(Value):
    """The licence an application extends or replaces, as the applicant named it."""

    licence_number: str
    kind: Literal["extension", "replacement"]


class CaseApplication(Value):
    """The application a case was opened on, as intake accepted it (its `ApplicationSubmitted`).

    The case judges, screens and decides on this copy: its stream alone says what was decided
    on what.
    """

    id: str
    reference: str
    received_at: Instant
    regime: Regime
    procedure: Procedure
    transaction: Transaction
    licence_type: Literal["individual", "global"]
    purpose: Literal["definitive", "temporary", "return_after_repair"]
    amends: Amendment | None
    catch_all: bool
    applicant: Company
    destinations: list[Destination]
    destination_group: Literal["EU", "EU_NATO_PLUS"] | None
    origins: list[Country]
    consignee: Consignee | None
    end_user: EndUser
    end_use: str
    goods: list[GoodsLine]
    service_value_eur: Money | None
    value_eur: Money
    registers: list[RegisterUsed] = []


class AmendedLicence(Value):
    """The licence an extension or replacement amends, as far as assessment knows it."""

    licence_number: str
    kind: Literal["extension", "replacement"] | None = None
    known: bool = False
    application_id: str | None = None
    previous_value_eur: Money | None = None
    previous_valid_until: Day | None = None


class DestinationPolicy(Value):
    """A destination's own policy as the reference data states it, with its source."""

    code: str
    destination: Country
    accelerated: bool
    parliament: Literal["fast_track", "periodic_letters"]
    source: str
    # The version of the destination policies file it was read from.
    version: str | None = None


class SanctionsHit(Value):
    """Goods an EU restrictive measure bans exporting to a destination, on the day judged."""

    destination: Country
    regulation: str
    annex: str
    item: str
    version: str
    reason: str


class EmbargoHit(Value):
    """An arms embargo on a destination, and what screening does about it."""

    country: str
    kind: str
    source: str
    reason: str
    action: Literal["criterion_1_proposed", "flag"]


class GeneralLicenceHint(Value):
    """A general licence the transaction seems to fall under."""

    code: str
    covers: str
    note: str


class Prohibition(Value):
    """Annex II anti-torture goods in the application."""

    rating: str | None
    description: str | None
    museum_exception: bool
    reason: str


class ProposedFinding(Value):
    """A finding screening proposes to the assessor (an embargo is a refusal ground)."""

    criterion: Criterion
    finding: Literal["pass", "concern", "refusal_ground"]
    note: str | None


class DenialMatch(Value):
    """A denial of another state for an essentially identical transaction."""

    denial_id: str
    state: str | None
    score: float | None
    reasons: list[str]


class SanctionedPartyHit(Value):
    """A party of the case that is (or may be) an entity on the EU financial sanctions list,
    as the denials service's screening found it.

    `party_role` is `applicant` (`broker` on a brokering application), `consignee` or
    `end_user`; `alias` the listed name it matched; `list_version` the list's generationDate.
    """

    party_role: str
    name: str
    entity_id: str
    alias: str
    score: float
    reasons: list[str]
    programme: str | None = None
    list_version: str | None = None


class CitedAdvice(Value):
    """The advice a decision cites: which event, and what it advised."""

    event_id: str
    position: Literal["positive", "negative"]


class Finding(Value):
    """An assessor's finding on one criterion, as cited by the decision."""

    criterion: Criterion
    finding: Literal["pass", "concern", "refusal_ground"]
    note: str | None
    by: str | None = None
    recorded_at: Instant | None = None


_LOCAL = {"embargoes": [], "general_licence_hints": [], "prohibited": [],
          "proposed_findings": [], "reference_version": "2024.1"}


_APPLICATION = {
    "id": APP, "reference": "NL-CUST-2024-0001", "received_at": "2024-03-04T09:30:00+00:00",
    "regime": "military", "procedure": "licence", "transaction": "export",
    "licence_type": "individual", "purpose": "definitive", "amends": None, "catch_all": False,
    "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
    "destinations": ["NO"], "destination_group": None, "origins": [], "consignee": None,
    "end_user": {"name": "Norwegian Armed Forces", "country": "NO", "type": "armed_forces"},
    "end_use": "air defence",
    "goods": [{"description": "fire control radar", "rating": "ML5a", "quantity": 2,
               "value_eur": "1250000.00", "complete_system": False, "annex": None}],
    "service_value_eur": None, "value_eur": "1250000.00",
}


@event("CaseOpened")
class CaseOpened(Payload):
    """A case exists for a submitted application (or sondage).

    `application` is the application the case was opened on; cases opened before it was
    recorded here lack it.
    """

    stream_doc = "the application id"
    examples = ({"application_id": APP, "reference": "NL-CUST-2024-0001", "regime": "military",
                 "procedure": "licence", "received_at": "2024-03-04T09:30:00+00:00",
                 "amends": None, "application": _APPLICATION},)

    application_id: str
    reference: str
    regime: Regime
    procedure: Procedure
    received_at: Instant | None = None
    amends: AmendedLicence | None = None
    # Catch-all requirements imposed on this exporter that cover the application: it is then
    # a catch-all case (and counts as catch-all in the report).
    catch_all_requirements: list[str] = []
    application: CaseApplication | None = None


@event("CaseRouted")
class CaseRouted(Payload):
    """Who decides the case, by which rule, judged on which day with which reference data."""

    stream_doc = "the application id"
    examples = ({"queue": "mfa", "rule": "military.outside_nato_plus",
                 "explanation": "SA outside the EU, NATO and NATO+ on 2024-03-04",
                 "judged_on": "2024-03-04", "reference_version": "2024.1"},)

    queue: Queue
    rule: str
    reference_version: str
    explanation: str | None = None
    judged_on: Day | None = None
    # A destination with a policy of its own (Ukraine: an accelerated procedure, parliament
    # informed by periodic letters instead of the fast-track), as the reference data had it.
    policy: DestinationPolicy | None = None


@event("ScreeningPending")
class ScreeningPending(Payload):
    """The local screening ran; the denials registry has not been consulted yet.

    `retry` is true when an assessor re-ran a failed screening (the actor says who).
    """

    stream_doc = "the application id"
    examples = ({"reason": "the denials registry has not been consulted yet", **_LOCAL},)

    reason: str
    embargoes: list[EmbargoHit]
    general_licence_hints: list[GeneralLicenceHint]
    prohibited: list[Prohibition]
    proposed_findings: list[ProposedFinding]
    reference_version: str
    retry: bool | None = None
    sanctions: list[SanctionsHit] = []


@event("ScreeningCompleted")
class ScreeningCompleted(Payload):
    """Screening ran in full, the denials registry included."""

    stream_doc = "the application id"
    examples = ({**_LOCAL, "denial_matches": [
        {"denial_id": "d1", "state": "DE", "score": 0.97,
         "reasons": ["same destination SA", "end user 'X' = 'X' (1.00)", "same rating ML5"]}],
        "registry_version": "7"},
        {**_LOCAL, "denial_matches": [], "registry_version": "7",
         "sanctions_list_version": "2026-11-20T17:52:44.000+01:00", "sanctioned_parties": [
             {"party_role": "consignee", "name": "Volzhskiy Zavod Tochnykh Priborov AO",
              "entity_id": "910001", "alias": "АО «Волжский завод точных приборов»",
              "score": 1.0, "reasons": ["transliterated from Cyrillic; same words"],
              "programme": "RUS", "list_version": "2026-11-20T17:52:44.000+01:00"}]})

    embargoes: list[EmbargoHit]
    denial_matches: list[DenialMatch]
    general_licence_hints: list[GeneralLicenceHint]
    registry_version: str | None
    prohibited: list[Prohibition] = []
    proposed_findings: list[ProposedFinding] = []
    reference_version: str | None = None
    sanctions: list[SanctionsHit] = []
    # The matcher's version as the denials registry reported it.
    matcher_version: str | None = None
    # Parties found on the EU financial sanctions list, and the list version screened (none
    # before the list was screened: events recorded before it read as no hits).
    sanctioned_parties: list[SanctionedPartyHit] = []
    sanctions_list_version: str | None = None


@event("ScreeningFailed")
class ScreeningFailed(Payload):
    """The denials registry refused the match query for good (a 4xx other than 408/425/429).

    Not retried until an assessor re-runs it; approval is refused meanwhile, denial is not.
    """

    stream_doc = "the application id"
    examples = ({"reason": "the denials registry refused the screening query with 422",
                 "status": 422, "reference_version": "2024.1",
                 "problem": {"title": "Invalid request", "status": 422,
                             "detail": "goods_description: too long"}},)

    reason: str
    status: int
    problem: dict[str, Any]
    reference_version: str | None = None


@event("FindingRecorded")
class FindingRecorded(Payload):
    """An assessor's finding on one of the eight criteria."""

    stream_doc = "the application id"
    examples = ({"criterion": 2, "finding": "concern", "note": None},)

    criterion: Criterion
    finding: Literal["pass", "concern", "refusal_ground"]
    note: str | None


@event("MatchDismissed")
class MatchDismissed(Payload):
    """An assessor ruled a denial match not essentially identical; denials records it too.

    A ruling made in the denials registry is recorded on the case with the registry's actor
    and its event as `causation_id` (the case shows it `via: "denials"`).
    """

    stream_doc = "the application id"
    examples = ({"denial_id": "d1", "reason": "another end user", "application_id": APP,
                 "application_ref": "NL-CUST-2024-0001", "state": "DE"},)

    denial_id: str
    reason: str
    application_id: str | None = None
    application_ref: str | None = None
    state: str | None = None


@event("SanctionsHitDismissed")
class SanctionsHitDismissed(Payload):
    """An assessor ruled that a party's hit on the sanctions list is not the listed entity
    (the actor says who); approval no longer waits for it."""

    stream_doc = "the application id"
    examples = ({"entity_id": "910001", "reason": "another company: other address and owners",
                 "party_roles": ["consignee"], "names": ["Volzhskiy Zavod Tochnykh Priborov AO"],
                 "list_version": "2026-11-20T17:52:44.000+01:00"},)

    entity_id: str
    reason: str
    party_roles: list[str] = []
    names: list[str] = []
    list_version: str | None = None


@event("CaseDecided")
class CaseDecided(Payload):
    """The case was decided: approved or denied, with the criteria a denial rests on."""

    stream_doc = "the application id"
    examples = ({"application_id": APP, "reference": "NL-CUST-2024-0001", "outcome": "denied",
                 "criteria": [2, 7], "note": None, "decided_at": "2024-06-03T10:00:00+00:00",
                 "queue": "mfa"},)

    application_id: str
    reference: str
    outcome: Literal["approved", "denied"]
    criteria: list[Criterion]
    note: str | None
    decided_at: Instant
    queue: Queue
    decided_on: Day | None = None
    regime: Regime | None = None
    procedure: Procedure | None = None
    transaction: Transaction | None = None
    destinations: list[Destination] | None = None
    end_user: EndUser | None = None
    consignee: Consignee | None = None
    goods: list[GoodsLine] | None = None
    value_eur: Money | None = None
    findings: list[Finding] = []
    # The regime's grounds beside (or, for anti-torture goods, instead of) the criteria.
    grounds: list[Ground] = []
    # The MFA's foreign-policy advice the decision cites, when one was recorded.
    advice: CitedAdvice | None = None
    catch_all: bool | None = None


@event("CaseClosed")
class CaseClosed(Payload):
    """An open case closed without a decision (its application was withdrawn)."""

    stream_doc = "the application id"
    examples = ({"application_id": APP, "reason": "withdrawn", "note": None},)

    application_id: str
    reason: Literal["withdrawn"]
    note: str | None


@event("LicenceIssued")
class LicenceIssued(Payload):
    """A licence issued on approval; `valid_until` is its last valid day (inclusive)."""

    stream_doc = "the application id"
    examples = ({"licence_number": LICENCE, "application_id": APP,
                 "reference": "NL-CUST-2024-0001", "regime": "military",
                 "licence_type": "individual", "transaction": "export",
                 "purpose": "definitive", "catch_all": False, "destinations": ["NO"],
                 "destination_group": None, "origins": [], "goods": [
                     {"description": "fire control radar", "rating": "ML5a", "quantity": 2,
                      "value_eur": "1250000.00", "complete_system": False, "annex": None}],
                 "value_eur": "1250000.00", "service_value_eur": None,
                 "valid_from": "2024-06-03", "valid_until": "2026-06-02",
                 "decided_at": "2024-06-03T10:00:00+00:00", "amends": None},)

    licence_number: str
    application_id: str
    reference: str
    regime: Regime
    licence_type: Literal["individual", "global"]
    transaction: Transaction
    purpose: Literal["definitive", "temporary", "return_after_repair"]
    catch_all: bool
    destinations: list[Destination]
    destination_group: Literal["EU", "EU_NATO_PLUS"] | None
    origins: list[Country]
    goods: list[GoodsLine]
    value_eur: Money
    service_value_eur: Money | None
    valid_from: Day
    valid_until: Day
    decided_at: Instant
    amends: AmendedLicence | None
    decided_on: Day | None = None
    applicant: Company | None = None
    end_user: EndUser | None = None
    consignee: Consignee | None = None
    end_use: str | None = None
    queue: Queue | None = None


class _LicenceChange(Payload):
    licence_number: str
    reason: str


@event("LicenceSuspended")
class LicenceSuspended(_LicenceChange):
    """A licence suspended: shipments from this day on are refused until reinstated."""

    stream_doc = "the application id"
    examples = ({"licence_number": LICENCE, "reason": "audit"},)


@event("LicenceReinstated")
class LicenceReinstated(_LicenceChange):
    """The end of a suspension."""

    stream_doc = "the application id"
    examples = ({"licence_number": LICENCE, "reason": "audit closed"},)


@event("LicenceRevoked")
class LicenceRevoked(_LicenceChange):
    """A licence revoked: no shipment from this day on."""

    stream_doc = "the application id"
    examples = ({"licence_number": LICENCE, "reason": "end user changed"},)


@event("ParliamentNotificationDue", version=2)
class ParliamentNotificationDue(Payload):
    """A licence parliament must be told about: by the fast-track within its days
    (`due_by`), or, for a destination whose policy says so, in the next periodic letter (no
    deadline of its own). Version 1 knew the fast-track only."""

    stream_doc = "the application id"
    examples = ({"id": LICENCE, "licence_number": LICENCE, "kind": "fast_track",
                 "destination": "SA", "destinations": ["SA"],
                 "description": "air defence system", "value_eur": "2500000.00",
                 "decided_on": "2024-06-03", "due_by": "2024-06-17"},)

    id: str
    licence_number: str
    kind: Literal["fast_track", "periodic_letter"]
    destination: Destination
    description: str
    value_eur: Money
    decided_on: Day
    due_by: Day | None
    destinations: list[Destination] | None = None

    @staticmethod
    def upcast_v1_v2(old: dict[str, Any]) -> dict[str, Any]:
        """Every notice of version 1 was a fast-track notice."""
        return {**old, "kind": "fast_track"}


@event("ParliamentNotificationSent")
class ParliamentNotificationSent(Payload):
    """Parliament was informed about a licence."""

    stream_doc = "the application id"
    examples = ({"id": LICENCE, "licence_number": LICENCE, "sent_on": "2024-06-10"},)

    id: str
    licence_number: str
    sent_on: Day
    # The fast-track is "with an explanation"; a periodic letter is cited by its reference.
    explanation: str | None = None
    letter_reference: str | None = None


@event("ParliamentLetterSent")
class ParliamentLetterSent(Payload):
    """A document sent to parliament: a periodic letter listing the licences it reports
    (Ukraine in 2024), or the Ministry of Defence's notice before a surplus sale (`kind`), which
    may list no licence yet. Without `kind` (as written before it existed) a periodic letter."""

    stream_doc = "the letter id"
    examples = ({"id": "letter-2024-1", "reference": "Kamerbrief 2024-0001",
                 "sent_on": "2024-04-15", "destination": "UA",
                 "licence_numbers": [LICENCE], "note": None},
                {"id": "letter-2024-2", "reference": "Kamerbrief 2024-0002",
                 "sent_on": "2024-05-21", "destination": "EE", "licence_numbers": [],
                 "note": "sale of surplus howitzers", "kind": "defence_surplus_notice"})

    id: str
    reference: str
    sent_on: Day
    destination: Destination | None
    licence_numbers: list[str]
    note: str | None = None
    kind: LetterKind = "periodic_letter"


@event("LicenceMarkedConfidential")
class LicenceMarkedConfidential(Payload):
    """A licence withheld from public reports until its release date."""

    stream_doc = "the application id"
    examples = ({"licence_number": LICENCE, "release_on": "2025-06-01",
                 "reason": "security of the delivery"},)

    licence_number: str
    release_on: Day
    reason: str


@event("CaseReferred")
class CaseReferred(Payload):
    """The CDIU referred a case to the MFA (politically sensitive), with a reason."""

    stream_doc = "the application id"
    examples = ({"from_queue": "cdiu", "to_queue": "mfa",
                 "reason": "end user linked to a politically sensitive programme"},)

    from_queue: Queue
    to_queue: Queue
    reason: str


@event("AdviceRecorded")
class AdviceRecorded(Payload):
    """The MFA's foreign-policy advice on a case, which the decision cites."""

    stream_doc = "the application id"
    examples = ({"position": "negative", "criteria": [2, 7], "grounds": [],
                 "note": "risk of diversion to a non-state actor"},)

    position: Literal["positive", "negative"]
    criteria: list[Criterion]
    grounds: list[Ground]
    note: str | None


CatchAllGround = Literal["wmd", "military-end-use-embargo", "human-rights", "transit"]


@event("CatchAllRequirementImposed")
class CatchAllRequirementImposed(Payload):
    """A licence requirement imposed ad hoc on an exporter for goods on no list (catch-all),
    for a destination or an end user, on a ground of Regulation (EU) 2021/821 arts. 4, 5, 7."""

    stream_doc = "the requirement id"
    examples = ({"id": "ca-2024-0001", "regime": "dual_use",
                 "exporter": {"name": "Acme Optics B.V.", "eori": "NL999999999"},
                 "goods_description": "high-speed cameras", "destination": "IR",
                 "end_user_name": None, "ground": "wmd",
                 "note": "end user on a procurement network", "imposed_on": "2024-04-02"},)

    id: str
    regime: Literal["dual_use", "military"]
    exporter: Company
    goods_description: str
    destination: Country | None
    end_user_name: str | None
    ground: CatchAllGround
    note: str | None
    imposed_on: Day


@event("CatchAllRequirementLifted")
class CatchAllRequirementLifted(Payload):
    """A catch-all requirement lifted: from that day on it covers nothing."""

    stream_doc = "the requirement id"
    examples = ({"id": "ca-2024-0001", "lifted_on": "2024-10-01",
                 "reason": "end user no longer of concern"},)

    id: str
    lifted_on: Day
    reason: str


@event("InvestigationReferred")
class InvestigationReferred(Payload):
    """Something a check flagged, referred to the enforcement authority for investigation."""

    stream_doc = "the referral id"
    examples = ({"id": "inv-2024-0001", "subject_kind": "realisation",
                 "subject_id": "9a0c2d9e-0000-4000-8000-000000000002",
                 "reason": "transit to TR under NL008", "referred_on": "2024-07-02",
                 "authority": "FIOD"},)

    id: str
    subject_kind: Literal["realisation", "shipment", "case"]
    subject_id: str
    reason: str
    referred_on: Day
    authority: str | None = None


@event("InvestigationConcluded")
class InvestigationConcluded(Payload):
    """The outcome of an investigation."""

    stream_doc = "the referral id"
    examples = ({"id": "inv-2024-0001", "outcome": "warning", "note": None,
                 "concluded_on": "2024-11-20"},)

    id: str
    outcome: Literal["no_action", "warning", "fine", "prosecution"]
    note: str | None
    concluded_on: Day


@event("ClassificationAnswered")
class ClassificationAnswered(Payload):
    """Specialists answered a classification request: a rating, or not controlled."""

    stream_doc = "the classification request id"
    examples = ({"request_id": "c1a5", "rating": None, "controlled": False, "note": None},)

    request_id: str
    rating: str | None
    controlled: bool
    note: str | None


@event("PersonalDataErased")
class PersonalDataErased(PersonalDataErasedFacts):
    """A data subject's personal data was erased in assessment: the keys it was sealed with are
    deleted, so every personal field of the subject reads as erased. No personal data in it."""
