"""Request and answer shapes of intake's API: the contract's fields, strictly typed.

Strict types on purpose: customs machines must send `"quantity": 3`, not `"3"`, and money
as a decimal string, so a sender's bug shows up as a 422 naming the field instead of a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from services.intake.domain.application import Application
from services.intake.domain.licences import Licence
from shared.contracts import types as contract_types
from shared.contracts.intake import ShipmentRecorded

MONEY = re.compile(r"^\d{1,14}(\.\d{1,2})?$")
MAX_AMOUNT = Decimal(10) ** 13


def _clean(text: str) -> str:
    # NUL cannot be stored in PostgreSQL text, lone surrogates cannot be encoded as UTF-8.
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    if not text.strip():
        raise ValueError("must not be blank")
    return text


def _money_in(value: Any) -> Any:
    if isinstance(value, int | float):  # bool is an int too
        raise ValueError('must be a decimal string in euros such as "1234.50", not a number')
    return value


def _money(value: str) -> str:
    if value.startswith("-"):
        raise ValueError("must not be negative")
    if MONEY.fullmatch(value) is None:
        raise ValueError('must be a decimal string in euros with at most two decimals, '
                         'such as "1234.50"')
    amount = Decimal(value)
    if amount > MAX_AMOUNT:
        raise ValueError("exceeds the limit of 10^13 euros")
    return f"{amount.quantize(Decimal('0.01')):f}"


def _date_in(value: Any) -> Any:
    # Lax dates take numbers as Unix times; a customs date is "YYYY-MM-DD" and nothing else.
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError('must be a date "YYYY-MM-DD"')
    return value


def _utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError("is out of range") from None


Name = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_clean)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000),
                     AfterValidator(_clean)]
DataText = Annotated[str, StringConstraints(min_length=1, max_length=20000),
                     AfterValidator(_clean)]
Country = Annotated[str, Field(strict=True, pattern=r"^[A-Z]{2}$",
                               description="ISO 3166-1 alpha-2, upper case")]
Destination = Annotated[str, Field(strict=True, pattern=r"^([A-Z]{2}|EU_NATO_PLUS)$",
                                   description="ISO 3166-1 alpha-2, or EU / EU_NATO_PLUS")]
Money = Annotated[str, BeforeValidator(_money_in), Field(strict=True),
                  AfterValidator(_money)]
BusinessTime = Annotated[AwareDatetime, AfterValidator(_utc)]
Rating = Annotated[str, StringConstraints(min_length=1, max_length=60), AfterValidator(_clean)]
StrictDate = Annotated[dt.date, BeforeValidator(_date_in)]
Quantity = Annotated[int, Field(strict=True, ge=1, le=10**12)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Applicant(_In):
    """The exporter applying."""

    name: Name
    eori: Annotated[str, Field(strict=True, max_length=17,
                               description="EORI number, e.g. NL123456789")]


class Consignee(_In):
    """Who receives the goods."""

    name: Name
    country: Country


class EndUser(_In):
    """Who finally uses the goods."""

    name: Name
    country: Country
    type: Literal["armed_forces", "government", "company", "private"]


class Amends(_In):
    """The licence an application extends or replaces."""

    licence_number: Annotated[str, StringConstraints(min_length=1, max_length=40),
                              AfterValidator(_clean)]
    kind: Literal["extension", "replacement"]


class GoodsLine(_In):
    """One line of goods."""

    description: Name
    rating: Rating | None = Field(
        default=None,
        description="ML rating (military), Annex I entry (dual-use) or annex item "
                    "(anti-torture, e.g. III.2.1); null only with catch_all")
    quantity: Quantity
    value_eur: Money
    complete_system: Annotated[bool, Field(strict=True)] = False
    annex: Literal["II", "III", "IV"] | None = Field(
        default=None, description="anti-torture only; II is refused unless for a museum")


class ApplicationIn(_In):
    """An application for a licence (or a sondage), as customs posts it."""

    reference: Name
    received_at: BusinessTime | None = Field(
        default=None, description="when customs received it; default now; never in the future")
    regime: Literal["military", "dual_use", "anti_torture"]
    procedure: Literal["licence", "sondage"] = "licence"
    transaction: Literal["export", "transfer", "transit", "brokering"]
    licence_type: Literal["individual", "global"]
    purpose: Literal["definitive", "temporary", "return_after_repair"] = "definitive"
    amends: Amends | None = None
    catch_all: Annotated[bool, Field(strict=True)] = False
    applicant: Applicant
    destinations: list[Destination] = Field(min_length=1, max_length=250)
    destination_group: Literal["EU", "EU_NATO_PLUS"] | None = None
    origins: list[Country] = Field(default_factory=list, max_length=250)
    consignee: Consignee | None = None
    end_user: EndUser
    end_use: LongText
    goods: list[GoodsLine] = Field(min_length=1, max_length=1000)
    service_value_eur: Money | None = Field(default=None, description="brokering only")


class WithdrawalIn(_In):
    """Why customs withdraws an application."""

    reason: LongText | None = None


class ShipmentIn(_In):
    """One export declaration under a licence."""

    declaration_ref: Name = Field(description="the customs declaration; the idempotency key")
    shipped_on: StrictDate
    country: Country
    quantity: Quantity
    value_eur: Money


class Exporter(_In):
    """The exporter using a general licence."""

    name: Name
    eori: Annotated[str, Field(strict=True, max_length=17)]


class RealisationIn(_In):
    """A report of use of a general licence in a period."""

    exporter: Exporter
    period: Annotated[str, Field(strict=True, pattern=r"^\d{4}(-Q[1-4])?$",
                                 description='"2024" or "2024-Q3"')]
    direction: Literal["export", "transfer", "transit"]
    country: Country = Field(description="the destination, or for NL007/NL008 the origin")
    destination: Country | None = Field(default=None,
                                        description="final destination of a transit")
    value_eur: Money
    ratings: list[Rating] = Field(default_factory=list, max_length=100)


class ClassificationIn(_In):
    """A question whether a good is controlled."""

    description: LongText
    technical_data: DataText
    applicant: Applicant | None = None
    reference: Name | None = None


# -- answers -----------------------------------------------------------------------------------
# The documents intake answers with. Money is a decimal string with two decimals, times are ISO
# 8601 with their offset, days "YYYY-MM-DD" (the contract types of shared.contracts.types).


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PartyOut(_Out):
    """An exporter or applicant."""

    name: str
    eori: str


class ConsigneeOut(_Out):
    """Who receives the goods."""

    name: str
    country: str | None


class EndUserOut(_Out):
    """Who finally uses the goods."""

    name: str
    country: str
    type: str | None


class AmendsOut(_Out):
    """The licence an application extends or replaces."""

    licence_number: str
    kind: Literal["extension", "replacement"]


class GoodsLineOut(_Out):
    """One line of goods as accepted."""

    description: str
    rating: str | None
    quantity: int
    value_eur: contract_types.Money
    complete_system: bool
    annex: Literal["II", "III", "IV"] | None


class ApplicationOut(_Out):
    """An application as accepted, with where its case stands.

    `licence_number` appears once a licence is issued, `decided_at` once decided, `criteria`
    with a denial.
    """

    id: str
    reference: str
    received_at: contract_types.Instant
    regime: Literal["military", "dual_use", "anti_torture"]
    procedure: Literal["licence", "sondage"]
    transaction: Literal["export", "transfer", "transit", "brokering"]
    licence_type: Literal["individual", "global"]
    purpose: Literal["definitive", "temporary", "return_after_repair"]
    amends: AmendsOut | None
    catch_all: bool
    applicant: PartyOut
    destinations: list[str]
    destination_group: Literal["EU", "EU_NATO_PLUS"] | None
    origins: list[str]
    consignee: ConsigneeOut | None
    end_user: EndUserOut
    end_use: str
    goods: list[GoodsLineOut]
    service_value_eur: contract_types.Money | None
    value_eur: contract_types.Money = Field(description="the sum of the goods lines")
    status: Literal["submitted", "under_assessment", "approved", "denied", "withdrawn"]
    licence_number: str | None = None
    decided_at: contract_types.Instant | None = None
    criteria: list[int] | None = None


class LicenceAmendsOut(_Out):
    """The licence a licence extends or replaces, as assessment knew it."""

    licence_number: str
    kind: Literal["extension", "replacement"] | None
    known: bool
    application_id: str | None = None
    previous_value_eur: contract_types.Money | None = None
    previous_valid_until: dt.date | None = None


class SuspensionOut(_Out):
    """A suspension from its first day until reinstated (null: still suspended)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    until: dt.date | None


class LicenceOut(_Out):
    """A licence as intake keeps it: its terms as issued, standing, and value used and left."""

    licence_number: str
    application_id: str
    reference: str
    regime: Literal["military", "dual_use", "anti_torture"]
    licence_type: Literal["individual", "global"]
    transaction: str
    purpose: Literal["definitive", "temporary", "return_after_repair"]
    goods: list[GoodsLineOut]
    decided_at: contract_types.Instant
    amends: LicenceAmendsOut | None
    status: Literal["active", "suspended", "revoked", "superseded", "expired"]
    destinations: list[str]
    destination_group: Literal["EU", "EU_NATO_PLUS"] | None
    valid_from: dt.date
    valid_until: dt.date = Field(description="the last valid day")
    revoked_on: dt.date | None
    superseded_by: str | None
    superseded_on: dt.date | None
    suspensions: list[SuspensionOut]
    value_eur: contract_types.Money
    value_used_eur: contract_types.Money
    value_left_eur: contract_types.Money


class ShipmentOut(_Out):
    """A shipment counted against its licence."""

    licence_number: str
    application_id: str
    declaration_ref: str
    shipped_on: dt.date
    country: str
    quantity: int
    value_eur: contract_types.Money
    regime: Literal["military", "dual_use", "anti_torture"]
    outcome: Literal["recorded"]


class RealisationOut(_Out):
    """A realisation as recorded: flagged, with a sentence and a stable code per flag, when
    outside the general licence's conditions on `checked_on`."""

    id: str
    code: str
    regime: Literal["military", "dual_use", "national"]
    exporter: PartyOut
    period: str
    direction: Literal["export", "transfer", "transit"]
    country: str
    destination: str | None
    value_eur: contract_types.Money
    ratings: list[str]
    flagged: bool
    flags: list[str]
    flag_codes: list[str]
    checked_on: dt.date


class AnswerOut(_Out):
    """Specialists' answer: a rating, or not controlled (rating null)."""

    rating: str | None
    controlled: bool
    note: str | None
    answered_at: contract_types.Instant


class ClassificationOut(_Out):
    """A classification request and, once given, its answer."""

    id: str
    description: str
    technical_data: str
    applicant: PartyOut | None
    reference: str | None
    status: Literal["pending", "answered"]
    answer: AnswerOut | None


def application_document(app: Application) -> dict[str, Any]:
    """An application as customs sees it: what was accepted, and where its case stands."""
    assert app.submitted is not None, "only an application that exists is shown"
    out: dict[str, Any] = {**app.submitted.model_dump(mode="json"), "status": app.status}
    if app.licence_number:
        out["licence_number"] = app.licence_number
    if app.decision is not None:
        out["decided_at"] = app.decision.decided_at.isoformat()
        if app.status == "denied":
            out["criteria"] = list(app.decision.criteria)
    return out


def licence_document(licence: Licence, *, today: dt.date) -> dict[str, Any]:
    """A licence with its value used and left, and where it stands today."""
    return {
        **licence.terms,
        "licence_number": licence.number, "application_id": licence.application_id,
        "regime": licence.regime, "status": licence.status_on(today),
        "destinations": list(licence.destinations),
        "destination_group": licence.destination_group,
        "valid_from": licence.valid_from, "valid_until": licence.valid_until,
        "revoked_on": licence.revoked_on, "superseded_by": licence.superseded_by,
        "superseded_on": licence.superseded_on,
        "suspensions": [{"from": s.start, "until": s.end} for s in licence.suspensions],
        "value_eur": licence.value_eur, "value_used_eur": licence.used_eur,
        "value_left_eur": licence.left_eur,
    }


def shipment_document(event: ShipmentRecorded) -> dict[str, Any]:
    """A shipment as recorded."""
    return {**event.model_dump(mode="json"), "outcome": "recorded"}
