"""The HTTP shapes of the denials API: what a request may carry and what each answer holds."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shared.contracts.types import Ground, Instant, Regime

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
RatingText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


# -- requests -------------------------------------------------------------------------------


class Party(BaseModel):
    """A named party of a transaction (end user or consignee), with its other names."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    country: Country | None = None
    aliases: list[Name] = Field(
        default_factory=list, max_length=20,
        description="extension: other names of the same party (other spellings, the name in "
                    "its own script); matching compares every name on both sides")


class EndUser(Party):
    """The end user; its country is required."""

    country: Country


def _party(value: Any) -> Any:
    # Some records give the consignee as a bare name.
    return {"name": value} if isinstance(value, str) else value


class DenialIn(BaseModel):
    """A denial notified by a partner state."""

    model_config = ConfigDict(extra="ignore")

    reference: Ref
    denied_on: dt.date
    regime: Literal["military", "dual_use", "anti_torture"]
    destination: Country
    consignee: Party | None = None
    end_user: EndUser
    goods_description: Name
    rating: RatingText | None = None
    quantity: int | None = Field(None, ge=1, le=10**12)
    criteria: list[int] = Field(default_factory=list, max_length=8)
    grounds: list[Ground] = Field(
        default_factory=list, max_length=9,
        description="extension: the grounds beside (dual-use) or instead of (anti-torture) the "
                    "criteria: a military denial names criteria only, a dual-use one criteria "
                    "or grounds of Regulation (EU) 2021/821 arts. 4, 5 and 15, an anti-torture "
                    "one grounds of Regulation (EU) 2019/125 only")

    _consignee = field_validator("consignee", mode="before")(_party)

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, value: list[int]) -> list[int]:
        if any(c < 1 or c > 8 for c in value):
            raise ValueError("criteria are numbers 1 to 8 of Common Position 2008/944/CFSP")
        return sorted(set(value))


class MatchQuery(BaseModel):
    """A transaction to screen against the registry."""

    model_config = ConfigDict(extra="ignore")

    destination: Country
    end_user: Party
    consignee: Party | None = None
    rating: RatingText | None = None
    goods_description: Annotated[str, StringConstraints(max_length=300)] | None = None
    on: dt.date | None = None
    application_ref: Ref | None = Field(
        None, description="extension: the Dutch case's reference; matches dismissed for it "
                          "are left out")

    _consignee = field_validator("consignee", mode="before")(_party)


class Revoke(BaseModel):
    """Why a denial is withdrawn."""

    reason: Prose | None = None


class Renew(BaseModel):
    """The date the denial was confirmed again; validity restarts from it."""

    denied_on: dt.date


class Dismiss(BaseModel):
    """An assessor's ruling that a match is not essentially identical."""

    application_ref: Ref
    denial_id: Ref
    reason: Prose


class ConsultationIn(BaseModel):
    """A consultation on a denial before deciding an essentially identical case."""

    denial_id: Ref
    application_ref: Ref
    question: Prose


class ReplyIn(BaseModel):
    """The denying state's answer."""

    answer: Prose
    note: Prose | None = None


class Outcome(BaseModel):
    """The consulting state's decision on its case."""

    decision: Literal["granted", "denied"]
    reasons: Prose


# -- answers --------------------------------------------------------------------------------


class PartyOut(BaseModel):
    """A party as the registry shows it; `aliases` when it has other names."""

    name: str
    country: str | None = None
    aliases: list[str] = []


class DenialOut(BaseModel):
    """A denial of the registry, with its validity on the day asked.

    `application_id` (Dutch denials, shown to Dutch officials only), `ratings` and `procedure`
    are present on denials registered from a Dutch decision; `renewed_on` once renewed.
    """

    id: str
    state: str
    reference: str
    denied_on: dt.date
    regime: Regime
    destination: str
    consignee: PartyOut | None
    end_user: PartyOut
    goods_description: str
    rating: str | None
    quantity: int | None
    criteria: list[int]
    grounds: list[Ground]
    registered_at: Instant
    active: bool
    status: Literal["active", "pending", "expired", "revoked"]
    active_until: dt.date
    expires_on: dt.date
    revoked_on: dt.date | None
    version: int
    renewed_on: dt.date | None = None
    application_id: str | None = None
    ratings: list[str | None] | None = None
    procedure: Literal["licence", "sondage"] | None = None


class DenialPage(BaseModel):
    """One page of the registry; `next_cursor` fetches the next."""

    items: list[DenialOut]
    next_cursor: str | None


class MatchOut(BaseModel):
    """A denial of an essentially identical transaction, how sure, and why in words."""

    denial_id: str
    state: str
    score: float
    reasons: list[str]
    reference: str
    destination: str
    denied_on: dt.date
    rating: str | None
    goods_description: str | None


class Matches(BaseModel):
    """A screening's matches, best first, what it ran against, and which matcher judged."""

    matches: list[MatchOut]
    registry_version: int
    on: dt.date
    candidates: int
    dismissed: list[str]
    matcher_version: str


class DismissalOut(BaseModel):
    """A ruling that a denial is not essentially identical to a case."""

    application_ref: str
    denial_id: str
    reason: str
    dismissed_by: str
    dismissed_at: Instant


class DismissalPage(BaseModel):
    """The rulings on one case (all of them: `next_cursor` is always null)."""

    items: list[DismissalOut]
    next_cursor: str | None


class ConsultationOut(BaseModel):
    """A consultation as its parties see it; `overdue` is an open one past `due_by`."""

    id: str
    denial_id: str
    consulting_state: str
    denying_state: str
    application_ref: str
    question: str
    due_by: dt.date
    opened_at: Instant
    denial_reference: str | None
    status: Literal["open", "answered", "overdue", "closed"]
    version: int
    answer: str | None
    note: str | None
    replied_at: Instant | None
    decision: Literal["granted", "denied"] | None
    reasons: str | None
    closed_at: Instant | None
    grant_notified: bool | None = None


class ConsultationPage(BaseModel):
    """One page of consultations; `next_cursor` fetches the next."""

    items: list[ConsultationOut]
    next_cursor: str | None


class StateCount(BaseModel):
    """Consultations one state started and received."""

    state: str
    started: int
    received: int


class ConsultationStats(BaseModel):
    """Consultations per state in the year they were opened."""

    year: int
    consultations: int
    items: list[StateCount]


class NotificationOut(BaseModel):
    """What a state is told: a licence granted despite its denial, with the reasons."""

    id: str
    kind: Literal["grant_despite_denial"]
    consultation_id: str
    denial_id: str
    denying_state: str
    reasons: str
    consulting_state: str | None
    application_ref: str | None
    denial_reference: str | None
    notified_at: Instant | None


class NotificationPage(BaseModel):
    """One page of notifications; `next_cursor` fetches the next."""

    items: list[NotificationOut]
    next_cursor: str | None


# -- sanctioned parties -----------------------------------------------------------------------


class ScreenedName(BaseModel):
    """A party's name to screen, and the country it is in when known."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    country: Country | None = None


class SanctionsQuery(BaseModel):
    """Names to screen against the sanctions list screened now."""

    model_config = ConfigDict(extra="ignore")

    names: list[ScreenedName] = Field(min_length=1, max_length=50)
    on: dt.date | None = Field(
        None, description="the day screened: entities designated after it are not hits")


class SanctionsMatchOut(BaseModel):
    """A name asked about that is (or may be) a listed entity, and why in words."""

    entity_id: str
    name_matched: str
    alias: str
    score: float
    reasons: list[str]
    programme: str | None
    subject_type: str


class SanctionsMatches(BaseModel):
    """The hits of one screening, best first, and what they were judged against."""

    list_version: str | None
    matcher_version: str
    on: dt.date
    candidates: int
    matches: list[SanctionsMatchOut]


class SanctionsListOut(BaseModel):
    """A version of the sanctions list loaded."""

    list_version: str
    generated_at: Instant
    sha256: str
    entities: int
    names: int
    loaded_at: Instant
    loaded_by: str
    current: bool


class SanctionsListPage(BaseModel):
    """Every version loaded, newest first; `current` is the one screened."""

    items: list[SanctionsListOut]
    current: str | None


class RealisationHitOut(BaseModel):
    """A party of a general-licence realisation found on the sanctions list."""

    event_id: str
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
    recorded_at: Instant


class RealisationHitPage(BaseModel):
    """Hits on realisations, newest first."""

    items: list[RealisationHitOut]
    next_cursor: str | None
