"""The requests of intake's API: the contract's fields, strictly typed.

Strict types on purpose: customs machines must send `"quantity": 3`, not `"3"`, and money
as a decimal string, so a sender's bug shows up as a 422 naming the field instead of a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

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


def _one_line(text: str) -> str:
    if any(ch < " " or ch == "\x7f" for ch in text):
        raise ValueError("must be one line without control characters")
    return text


# A reference someone quotes back (customs' own file number): one line, no control characters.
Reference = Annotated[str, StringConstraints(min_length=1, max_length=300),
                      AfterValidator(_clean), AfterValidator(_one_line)]
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


class Contact(_In):
    """The person at the applicant the office deals with: personal data (see README)."""

    name: Name
    email: Annotated[str | None, Field(max_length=300)] = None
    phone: Annotated[str | None, Field(max_length=60)] = None


class Applicant(_In):
    """The exporter applying."""

    name: Name
    eori: Annotated[str, Field(strict=True, max_length=17,
                               description="EORI number, e.g. NL123456789")]
    contact: Contact | None = Field(
        default=None, description="optional: the contact person at the applicant; personal "
                                  "data, sealed under the person's data subject id")


class Consignee(_In):
    """Who receives the goods."""

    name: Name
    country: Country
    type: Literal["company", "government", "private"] | None = Field(
        default=None, description="optional; `private`: the consignee is a natural person, "
                                  "whose name is personal data")


class EndUser(_In):
    """Who finally uses the goods."""

    name: Name
    country: Country
    type: Literal["armed_forces", "government", "company", "private"] = Field(
        description="`private`: the end user is a natural person, whose name is personal data "
                    "(sealed under the person's data subject id, erasable)")


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

    reference: Reference
    received_at: BusinessTime | None = Field(
        default=None, description="when customs received it; default now; never in the future")
    regime: Literal["military", "dual_use", "anti_torture", "national"] = Field(
        description="`national`: the Dutch national measures (x9xx ratings of the national "
                    "control lists valid on `received_at`)")
    procedure: Literal["licence", "sondage"] = "licence"
    transaction: Literal["export", "transfer", "transit", "brokering", "technical_assistance",
                         "import"] = Field(
        description="`technical_assistance` for military, dual-use and anti-torture goods; "
                    "`import` for anti-torture goods only; transit and brokering need `origins`")
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


class Recipient(_In):
    """Who receives goods under a general licence (NL004: a certified company)."""

    name: Name
    country: Country


class RealisationIn(_In):
    """A report of use of a general licence in a period."""

    exporter: Exporter
    period: Annotated[str, Field(strict=True, pattern=r"^\d{4}(-Q[1-4])?$",
                                 description='"2024" or "2024-Q3"')]
    direction: Literal["export", "transfer", "transit"]
    country: Country = Field(description="the destination, or for NL008 the origin")
    destination: Country | None = Field(default=None,
                                        description="final destination of a transit")
    value_eur: Money
    ratings: list[Rating] = Field(default_factory=list, max_length=100)
    used_on: StrictDate | None = Field(
        default=None, description="the day of use, within the period; the conditions are "
                                  "judged on it (without it: the period's last day)")
    origin: Country | None = Field(default=None,
                                   description="where the goods come from (NL007: an ally)")
    recipient: Recipient | None = Field(
        default=None, description="who receives the goods (NL004: a certified company)")

    # Added after the first version of the contract: a body without them keeps the
    # fingerprint it had then, so a repeat of an earlier request still answers as the first.
    LATER_FIELDS: ClassVar[tuple[str, ...]] = ("used_on", "origin", "recipient")

    def fingerprint_fields(self) -> dict[str, Any]:
        """The body as data for its fingerprint (fields added later only when given)."""
        data = self.model_dump(mode="json")
        return {k: v for k, v in data.items() if k not in self.LATER_FIELDS or v is not None}


class RegistrationIn(_In):
    """An exporter's registration for a general licence, before its first use."""

    exporter: Exporter
    registered_on: StrictDate = Field(description="the first day the registration covers")


class RegistrationEndIn(_In):
    """The end of a registration: uses from `ended_on` on are not registered."""

    ended_on: StrictDate
    reason: LongText


class ClassificationIn(_In):
    """A question whether a good is controlled."""

    description: LongText
    technical_data: DataText
    applicant: Applicant | None = None
    reference: Reference | None = None
