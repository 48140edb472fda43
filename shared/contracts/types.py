"""The value types event payloads are made of: money, days, instants, countries, parties.

Money is a Decimal inside and a decimal string with two decimals on the wire; a day is a
`datetime.date` ("YYYY-MM-DD"); an instant is a timezone-aware datetime written as ISO 8601 with
its offset. These are the shapes of stored events: reading is lenient where old events may
differ harmlessly, writing always produces one form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WrapSerializer,
    WrapValidator,
)

from shared.contracts.base import Payload, PersonalData
from shared.personal.erased import keep_erased, write_erased

CENT = Decimal("0.01")


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, float | bool):
        raise ValueError("money is a decimal string, not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise ValueError("money must be finite")
    return amount


def money_text(value: Decimal) -> str:
    """A euro amount as the wire writes it: two decimals, no exponent."""
    return f"{value.quantize(CENT):f}"


Money = Annotated[Decimal, BeforeValidator(_to_decimal),
                  PlainSerializer(money_text, return_type=str, when_used="json")]
Day = dt.date
Instant = Annotated[AwareDatetime, PlainSerializer(lambda v: v.isoformat(), return_type=str,
                                                   when_used="json")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
# A destination is a country or one of the destination groups of the contract.
Destination = Annotated[str, Field(pattern=r"^([A-Z]{2}|EU|EU_NATO_PLUS)$")]
# `national`: the Dutch national measures (advanced semiconductor equipment; the additional
# controls on semiconductor, quantum and additive-manufacturing goods), outside the EU regimes.
Regime = Literal["military", "dual_use", "anti_torture", "national"]
Procedure = Literal["licence", "sondage"]
Transaction = Literal["export", "transfer", "transit", "brokering", "technical_assistance",
                      "import"]
# Refusal grounds beyond the Common Position's criteria (which stay `criteria: [1..8]`): the
# dual-use considerations of Regulation (EU) 2021/821 art. 15 and its catch-all grounds (arts. 4
# and 5), and the anti-torture grounds of Regulation (EU) 2019/125. The labels and sources are
# reference data (shared/reference/data/refusal_grounds.json).
Ground = Literal[
    "art15-sanctions", "art15-security-policy", "art15-end-use-diversion",
    "art4-wmd", "art4-military-end-use-embargo", "art5-human-rights",
    "annex-ii-prohibited", "annex-iii-torture", "annex-iv-capital-punishment",
]


# The text of a personal field: a plain `str`, except that a field whose data subject was erased
# reads as `shared.personal.erased.Erased` (a `str` too) and is written back out as its marker.
# Every field marked `PersonalData` is of this type (a test checks).
PersonalText = Annotated[str, WrapValidator(keep_erased), WrapSerializer(write_erased)]
# Who a data subject is: the stable id shared.personal.subjects derives at intake.
SubjectId = Annotated[str, Field(pattern=r"^ps_[a-z2-7]{32}$")]
# Why personal data was erased (shared.personal.erasure says which grounds override retention):
# the retention period ended (GDPR art. 5(1)(e), 17(1)(a)); the data subject asked (art. 17);
# the data should never have been recorded (art. 17(1)(d)); a court or the supervisory
# authority ordered it.
ErasureGround = Literal["retention-ended", "subject-request", "unlawfully-processed",
                        "ordered"]


class Value(BaseModel):
    """A value object inside a payload: frozen, tolerant of fields added later."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Contact(Value):
    """The person at an exporter the office deals with: every field is personal data.

    `subject` is the person's data subject id (not itself personal data: it names the key the
    other fields are sealed with, and says nothing once that key is erased).
    """

    name: Annotated[PersonalText, PersonalData()]
    email: Annotated[PersonalText | None, PersonalData()] = None
    phone: Annotated[PersonalText | None, PersonalData()] = None
    subject: SubjectId


class Company(Value):
    """An exporter or applicant: a legal person, named with its EORI number."""

    name: str
    eori: str
    contact: Contact | None = None


class Consignee(Value):
    """Who receives the goods; the name is personal data when the consignee is a person.

    `subject` is the data subject id of a private consignee (shared.personal.subjects).
    """

    name: Annotated[PersonalText, PersonalData(when=("type", "private"))]
    country: Country | None = None
    type: Literal["company", "government", "private"] | None = None
    subject: SubjectId | None = None


class EndUser(Value):
    """Who uses the goods; the name is personal data when the end user is a private person.

    `subject` is the data subject id of a private end user (shared.personal.subjects).
    """

    name: Annotated[PersonalText, PersonalData(when=("type", "private"))]
    country: Country
    type: Literal["armed_forces", "government", "company", "private"] | None = None
    subject: SubjectId | None = None


class RegisterUsed(Value):
    """Which version of a register (reference data) a judgement was made on."""

    name: str
    version: str


class GoodsLine(Value):
    """One line of goods as accepted: what, under which rating, how many, worth what."""

    description: str
    rating: str | None
    quantity: int
    value_eur: Money
    complete_system: bool = False
    annex: Literal["II", "III", "IV"] | None = None


class PersonalDataErasedFacts(Payload):
    """What every producer's `PersonalDataErased` says; each producer registers its own.

    It holds no personal data: the subject's id, the ground and the day.
    """

    stream_doc = "the data subject's id (`ps_...`)"
    examples = ({"subject": "ps_" + "a" * 32, "ground": "retention-ended",
                 "erased_on": "2031-01-02"},)

    subject: SubjectId
    ground: ErasureGround
    erased_on: Day
