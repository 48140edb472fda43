"""The shapes of reporting's answers, as the OpenAPI document declares them.

Report rows name the fields of the contract's tables; they allow more (a table may gain a
column compatibly), so an answer is checked against its schema without freezing the report.
Amounts and percentages are decimal strings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.envelope import Envelope


class Row(BaseModel):
    """One row of a report table."""

    model_config = ConfigDict(extra="allow")


class MilitarySummary(Row):
    """`military.summary`: the year's military applications and licence value."""

    applications: int
    approved: int
    approved_nato_eu_plus: int
    denied: int
    denial_rate_pct: str
    total_value_eur: str


class CategoryValue(Row):
    """`military.by_category`: licence value per ML category."""

    category: str
    value_eur: str


class DestinationValues(Row):
    """`military.by_destination` and `military.transit`: value per ML category for one
    destination (a country, `EU`, `EU_NATO_PLUS` or `VARIOUS`)."""

    destination: str
    values: dict[str, str]
    total_eur: str


class RegionValue(Row):
    """`military.by_region`: value and share per region."""

    region: str
    value_eur: str
    share_pct: str


class TopDestination(Row):
    """`military.top_destinations`: the five countries with the highest value."""

    destination: str
    value_eur: str
    share_pct: str


class Denial(Row):
    """`military.denials`, `dual_use.denials`, `anti_torture_denials`: one denied application,
    with the Common Position's criteria and the regime's other grounds it rests on."""

    destination: str
    description: str
    quantity: int
    recipient: str
    end_user: str
    decided_on: str
    criteria: list[int]
    grounds: list[str] = Field(default_factory=list,
                               description="refusal ground codes beside the criteria")
    procedure: str


class Brokering(Row):
    """`military.brokering`: one brokering licence."""

    destination: str
    origin: str
    ratings: list[str]
    description: str
    service_value_eur: str


class Military(BaseModel):
    """The military tables."""

    model_config = ConfigDict(extra="allow")

    summary: list[MilitarySummary]
    by_category: list[CategoryValue]
    by_destination: list[DestinationValues]
    by_region: list[RegionValue]
    top_destinations: list[TopDestination]
    denials: list[Denial]
    transit: list[DestinationValues]
    brokering: list[Brokering]


class GeneralLicenceUse(Row):
    """`general_licences`: uses of one general licence per direction and country."""

    licence: str
    direction: str
    country: str
    value_eur: str
    categories: list[str]
    flagged: bool
    flag_codes: list[str] = Field(default_factory=list,
                                  description="the codes of its flagged realisations' flags")
    flag_reasons: list[str] = Field(default_factory=list, description="their sentences")


class LicenceTotal(Row):
    """`general_licences_totals`: the value of one general licence's uses in the year."""

    licence: str
    value_eur: str


class DualUseType(Row):
    """`dual_use.by_type`: licences issued and denied per licence type."""

    type: str
    issued: int
    issued_value_eur: str
    denied: int
    denied_value_eur: str


class CountryValue(Row):
    """`dual_use.top_destinations`: realised dual-use exports per country."""

    country: str
    value_eur: str


class DualUseDestination(Row):
    """`dual_use.by_destination`: individual licences issued per destination (figure 6)."""

    destination: str
    licences: int
    value_eur: str


class DualUseCategory(Row):
    """`dual_use.by_category`: individual licences issued per Annex I category (figure 7),
    the first digit of the entry (`0`-`9`, or `unrated`); a licence with goods of several
    categories is in each."""

    category: str
    name: str = Field(description="the category's heading in Annex I (English)")
    licences: int
    value_eur: str


class DualUse(BaseModel):
    """The dual-use tables."""

    model_config = ConfigDict(extra="allow")

    by_type: list[DualUseType]
    top_destinations: list[CountryValue]
    denials: list[Denial]
    by_destination: list[DualUseDestination]
    by_category: list[DualUseCategory]


class NationalRow(Row):
    """`national`: licences of the national measures, kept out of the EU dual-use tables."""

    regime: str
    issued: int
    issued_value_eur: str
    denied: int
    denied_value_eur: str


class AnnexRow(Row):
    """`anti_torture`: licences per annex."""

    annex: str
    licences: int
    value_eur: str
    destinations: list[str]
    end_uses: list[str]


class FastTrack(Row):
    """`parliament_fast_track`: one notification to parliament."""

    licence_number: str | None
    destination: str | None
    description: str | None
    value_eur: str
    decided_on: str
    due_by: str | None
    sent_on: str | None


class ParliamentDocument(Row):
    """`parliament.documents`: a fast-track notice, a periodic letter or a notice of the
    Ministry of Defence before a surplus sale, sent to parliament."""

    sent_on: str
    kind: str = Field(description="`fast_track_notice`, `periodic_letter` or "
                                  "`defence_surplus_notice`")
    reference: str | None
    destination: str | None
    licence_numbers: list[str | None]
    explanation: str | None


class Parliament(BaseModel):
    """The register of documents sent to parliament."""

    model_config = ConfigDict(extra="allow")

    documents: list[ParliamentDocument]


class Enforcement(Row):
    """`enforcement`: investigations referred and concluded in the year, by outcome."""

    referred: int
    concluded: int
    no_action: int
    warning: int
    fine: int
    prosecution: int
    open_at_year_end: int


class Consultations(Row):
    """`consultations`: consultations started and received by the Netherlands."""

    started: int
    received: int


class ConsultationShare(Row):
    """`consultations_share`: the consultations the Netherlands took part in, as a share of
    the EU's total for the year (an input, with its source)."""

    year: int
    started: int
    received: int
    netherlands: int = Field(description="started plus received")
    eu_total: int | None = Field(description="consultations held in the EU in the year")
    share_pct: str | None
    source: str | None = Field(description="where the EU total is from")


class HistoryYear(Row):
    """`history`: one year of the series up to the report's year."""

    year: int
    value_eur: str
    eu_nato_plus_value_eur: str
    other_value_eur: str
    applications: int | None
    denied: int | None
    denial_rate_pct: str | None
    source: str = Field(description="`event log`, or where a published year's figures are from")


class AnnualReport(BaseModel):
    """The annual report: every table of the contract, by its dotted name's path."""

    model_config = ConfigDict(extra="allow")

    year: int
    as_of: str | None = Field(description="the recorded time the report stands at, if asked")
    currency: str
    withheld_confidential: int = Field(
        description="licences decided in the year left out until their confidentiality ends")
    military: Military
    general_licences: list[GeneralLicenceUse]
    general_licences_totals: list[LicenceTotal]
    dual_use: DualUse
    national: list[NationalRow]
    anti_torture: list[AnnexRow]
    anti_torture_denials: list[Denial]
    parliament_fast_track: list[FastTrack]
    parliament: Parliament
    consultations: list[Consultations]
    consultations_share: list[ConsultationShare]
    enforcement: list[Enforcement]
    history: list[HistoryYear]


class MonthlyLicence(Row):
    """A licence issued in the month; for some destinations without detail about the goods."""

    licence_number: str
    decided_on: str
    regime: str
    licence_type: str
    transaction: str
    destination: str
    destinations: list[str]
    description: str | None
    ratings: list[str]
    goods_withheld: bool
    value_eur: str


class MonthlyOverview(BaseModel):
    """The licences issued in one month (military and dual-use)."""

    model_config = ConfigDict(extra="allow")

    year: int
    month: int
    as_of: str | None
    currency: str
    withheld_confidential: int
    licences: list[MonthlyLicence]


class EuRow(Row):
    """Per destination and ML category: licences issued, value, denials, criteria cited."""

    destination: str
    category: str
    licences_issued: int
    value_eur: str
    denials: int
    criteria: list[int]


class EuSubmission(BaseModel):
    """The data of the EU annual report on arms exports for one year."""

    model_config = ConfigDict(extra="allow")

    year: int
    as_of: str | None
    currency: str
    rows: list[EuRow]


class AttRow(Row):
    """Authorised exports per destination and ATT category."""

    destination: str
    category: str
    ml_categories: list[str]
    licences: int
    items: int
    value_eur: str


class AttSubmission(BaseModel):
    """The data of the Arms Trade Treaty annual report for one year."""

    model_config = ConfigDict(extra="allow")

    year: int
    as_of: str | None
    currency: str
    method: str
    other_value_eur: str = Field(description="the value of goods in no ATT category")
    rows: list[AttRow]


class UnreadableMessage(BaseModel):
    """A message in the log that no contract reads (left out of what is shown)."""

    sequence: int = Field(description="its stream sequence number in the log")
    subject: str
    reason: str


class StreamView(BaseModel):
    """One licence's whole lifecycle: every service's events on its stream id, in log order,
    each event once."""

    stream_id: str
    events: list[Envelope]
    unreadable: list[UnreadableMessage] = Field(
        default_factory=list, description="messages on this stream no contract reads")


class LastRebuild(BaseModel):
    """The figures of the last rebuild that finished."""

    model_config = ConfigDict(extra="allow")

    generation: int
    events: int = Field(description="the log it rebuilt from")
    events_read: int = Field(description="the messages of the types that set a fact, read")
    facts: int
    seconds: float
    events_per_second: float
    finished_at: str
    skipped: int = Field(0, description="messages no contract reads, left out")
    skipped_sequences: list[int] = Field(
        default_factory=list, description="their stream sequence numbers (the first 1000)")


class ProjectionStatus(BaseModel):
    """Where the projections stand: idle or rebuilding, position and lag in the log."""

    model_config = ConfigDict(extra="allow")

    status: str = Field(description="`idle` or `rebuilding`")
    position: int | None = Field(description="the log sequence the projections reached")
    lag: int | None = Field(description="messages of the log not yet in the projections")
    events_per_second: float
    generation: int = Field(description="the generation of facts that serves")
    building: int | None = Field(description="the generation a rebuild is filling")
    log_last_seq: int | None
    events_replayed: int
    target: int | None
    started_at: str | None
    error: str | None
    skipped: int = Field(description="messages the running or last rebuild skipped: no "
                                     "contract reads them")
    skipped_sequences: list[int] = Field(description="their stream sequence numbers")
    last_rebuild: LastRebuild | None
    rebuilt_at: str | None


class RebuildStarted(ProjectionStatus):
    """The status as a rebuild is asked for; `started` is false when one was running."""

    started: bool

