"""The events the denials registry records: denials of every partner state, dismissed matches,
and consultations between states."""

from __future__ import annotations

from typing import Literal

from shared.contracts.base import Payload, contract
from shared.contracts.types import (
    Consignee,
    Day,
    EndUser,
    Ground,
    Instant,
    PersonalDataErasedFacts,
    Procedure,
    Regime,
)

event = contract("denials")

DENIAL = "3f6a0b8e-0000-4000-8000-0000000000d1"
CONSULTATION = "7c2e0b8e-0000-4000-8000-0000000000c1"


@event("DenialRegistered")
class DenialRegistered(Payload):
    """A state's denial, as notified to every partner: all a partner ever sees of it.

    `application_id` names the Dutch application of an `NL` denial; `ratings` every rating of
    its goods; `procedure` whether it was a licence or a sondage; `expires_on` the first day it
    is no longer active (events recorded before it was named were read with the validity
    policy in force).
    """

    stream_doc = "the denial id"
    examples = ({"id": DENIAL, "state": "DE", "reference": "DE-2024-17",
                 "denied_on": "2024-02-01", "regime": "military", "destination": "SA",
                 "consignee": None, "end_user": {"name": "Royal Saudi Land Forces",
                                                 "country": "SA"},
                 "goods_description": "rifle scopes", "rating": "ML5a", "quantity": 200,
                 "criteria": [2, 7], "application_id": None, "expires_on": "2027-02-01"},)

    id: str
    state: str
    reference: str
    denied_on: Day
    regime: Regime
    destination: str
    consignee: Consignee | None
    end_user: EndUser
    goods_description: str
    rating: str | None
    quantity: int | None
    criteria: list[int]
    application_id: str | None = None
    ratings: list[str | None] | None = None
    procedure: Procedure | None = None
    expires_on: Day | None = None
    # The regime's grounds beside the criteria (dual-use considerations and catch-all grounds,
    # anti-torture annex grounds); see shared.contracts.types.Ground.
    grounds: list[Ground] = []
    # Other names of the end user and the consignee (other spellings, the name in its own
    # script); matching compares every name on both sides.
    end_user_aliases: list[str] = []
    consignee_aliases: list[str] = []


@event("DenialRevoked")
class DenialRevoked(Payload):
    """The notifying state withdrew its denial."""

    stream_doc = "the denial id"
    examples = ({"denial_id": DENIAL, "reason": "end user dissolved",
                 "revoked_on": "2024-09-01"},)

    denial_id: str
    reason: str | None
    revoked_on: Day | None = None


@event("DenialRenewed")
class DenialRenewed(Payload):
    """The notifying state confirmed its denial on a later day: its validity starts again.

    `renewed_on` is the day it did so.
    """

    stream_doc = "the denial id"
    examples = ({"denial_id": DENIAL, "denied_on": "2025-01-10", "expires_on": "2028-01-10",
                 "renewed_on": "2025-01-14"},)

    denial_id: str
    denied_on: Day
    expires_on: Day | None = None
    renewed_on: Day | None = None


@event("DenialExpired")
class DenialExpired(Payload):
    """A denial's validity ended (three years unless renewed)."""

    stream_doc = "the denial id"
    examples = ({"denial_id": DENIAL, "expired_on": "2027-02-01"},)

    denial_id: str
    expired_on: Day | None = None


@event("MatchDismissed")
class MatchDismissed(Payload):
    """An assessor ruled the denial not essentially identical to a case; screenings naming the
    case leave it out. Once per case and denial; `application_id` is set when mirrored from
    assessment's `MatchDismissed` (then the actor is the assessor and `causation_id` that
    event)."""

    stream_doc = "the denial id"
    examples = ({"denial_id": DENIAL, "application_ref": "NL-CUST-2024-0001",
                 "reason": "another end user", "state": "DE",
                 "dismissed_at": "2024-03-05T10:00:00+00:00"},)

    denial_id: str
    application_ref: str
    reason: str
    state: str
    dismissed_at: Instant | None = None
    application_id: str | None = None


@event("ConsultationOpened")
class ConsultationOpened(Payload):
    """A state consults the denying state about an essentially identical transaction."""

    stream_doc = "the consultation id"
    examples = ({"id": CONSULTATION, "denial_id": DENIAL, "consulting_state": "NL",
                 "denying_state": "DE", "application_ref": "NL-CUST-2024-0001",
                 "question": "Is this the end user you refused?", "due_by": "2024-03-26",
                 "opened_at": "2024-03-05T10:00:00+00:00", "denial_reference": "DE-2024-17"},)

    id: str
    denial_id: str
    consulting_state: str
    denying_state: str
    application_ref: str
    question: str
    due_by: Day
    opened_at: Instant
    denial_reference: str | None = None
    application_id: str | None = None


@event("ConsultationReplied")
class ConsultationReplied(Payload):
    """The denying state answered."""

    stream_doc = "the consultation id"
    examples = ({"id": CONSULTATION, "answer": "Yes, the same end user.", "note": None,
                 "replied_at": "2024-03-10T10:00:00+00:00"},)

    id: str
    answer: str
    note: str | None
    replied_at: Instant | None = None


@event("ConsultationClosed")
class ConsultationClosed(Payload):
    """The consulting state recorded its outcome."""

    stream_doc = "the consultation id"
    examples = ({"id": CONSULTATION, "decision": "denied", "reasons": "we follow the denial",
                 "application_ref": "NL-CUST-2024-0001", "consulting_state": "NL",
                 "denying_state": "DE", "denial_id": DENIAL,
                 "closed_at": "2024-03-12T10:00:00+00:00"},)

    id: str
    decision: Literal["granted", "denied"]
    reasons: str
    application_ref: str
    consulting_state: str
    denying_state: str
    denial_id: str | None = None
    closed_at: Instant | None = None


@event("GrantNotified")
class GrantNotified(Payload):
    """A licence granted despite another state's denial, notified to that state with reasons."""

    stream_doc = "the consultation id"
    examples = ({"consultation_id": CONSULTATION, "denial_id": DENIAL, "denying_state": "DE",
                 "reasons": "another end use", "consulting_state": "NL",
                 "application_ref": "NL-CUST-2024-0001", "denial_reference": "DE-2024-17",
                 "notified_at": "2024-03-12T10:00:00+00:00"},)

    consultation_id: str
    denial_id: str
    denying_state: str
    reasons: str
    consulting_state: str | None = None
    application_ref: str | None = None
    denial_reference: str | None = None
    notified_at: Instant | None = None


SANCTIONS_LIST = "eu-fsf"


@event("SanctionsListLoaded")
class SanctionsListLoaded(Payload):
    """A version of the EU consolidated list of persons, groups and entities subject to financial
    sanctions (the FSF `xmlFullSanctionsList_1_1` export) was loaded; from then on it is the
    list screened, and entities absent from it are no longer hits.

    `list_version` is the file's `generationDate` as written, `generated_at` the same instant;
    `sha256` the digest of the file's bytes (a reload of the same bytes records nothing). The
    entities and their names are kept in the registry's read model, not in the event.
    """

    stream_doc = "the list: `eu-fsf`"
    examples = ({"list_version": "2024-06-14T17:52:44.000+02:00",
                 "generated_at": "2024-06-14T15:52:44+00:00", "entities": 24, "names": 61,
                 "sha256": "9f2c" + "0" * 60, "persons": 9, "enterprises": 15},)

    list_version: str
    generated_at: Instant
    entities: int
    names: int
    sha256: str
    persons: int | None = None
    enterprises: int | None = None


@event("RealisationSanctionsHit")
class RealisationSanctionsHit(Payload):
    """A party of a general-licence realisation (intake's `RealisationReported`) is, or may be,
    an entity on the loaded sanctions list; recorded once per realisation and entity."""

    stream_doc = "the realisation id"
    examples = ({"realisation_id": "9a0c2d9e-0000-4000-8000-000000000002", "code": "NL008",
                 "party_role": "exporter", "name": "Damen Shipyards", "entity_id": "EU.27.28",
                 "alias": "Damen Shipyards Group", "score": 0.95,
                 "reasons": ["'Damen Shipyards' = 'Damen Shipyards Group'"],
                 "programme": "RUS", "list_version": "2024-06-14T17:52:44.000+02:00"},)

    realisation_id: str
    code: str
    party_role: str
    name: str
    entity_id: str
    alias: str
    score: float
    reasons: list[str]
    programme: str | None
    list_version: str


@event("PersonalDataErased")
class PersonalDataErased(PersonalDataErasedFacts):
    """A data subject's personal data was erased in denials: the keys it was sealed with are
    deleted, so every personal field of the subject reads as erased. No personal data in it."""
