"""The events intake records: what customs posted, as accepted."""

from __future__ import annotations

import re
from typing import Any, Literal

from shared.contracts.base import Payload, contract
from shared.contracts.types import (
    Company,
    Consignee,
    Country,
    Day,
    Destination,
    EndUser,
    GoodsLine,
    Instant,
    Money,
    PersonalDataErasedFacts,
    Procedure,
    Regime,
    RegisterUsed,
    Transaction,
    Value,
)

event = contract("intake")

_APPLICATION = {
    "id": "6f1c2d9e-0000-4000-8000-000000000001", "reference": "NL-CUST-2024-0001",
    "received_at": "2024-03-04T09:30:00+00:00", "regime": "military", "procedure": "licence",
    "transaction": "export", "licence_type": "individual", "purpose": "definitive",
    "amends": None, "catch_all": False,
    "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
    "destinations": ["NO"], "destination_group": None, "origins": [], "consignee": None,
    "end_user": {"name": "Norwegian Armed Forces", "country": "NO", "type": "armed_forces"},
    "end_use": "air defence",
    "goods": [{"description": "fire control radar", "rating": "ML5a", "quantity": 2,
               "value_eur": "1250000.00", "complete_system": False, "annex": None}],
    "service_value_eur": None, "value_eur": "1250000.00",
}


class Amends(Value):
    """The licence an extension or replacement amends."""

    licence_number: str
    kind: Literal["extension", "replacement"]


@event("ApplicationSubmitted")
class ApplicationSubmitted(Payload):
    """The whole application as accepted, every default filled in, with its goods' value."""

    stream_doc = "the application id"
    examples = (_APPLICATION,)

    id: str
    reference: str
    received_at: Instant
    regime: Regime
    procedure: Procedure
    transaction: Transaction
    licence_type: Literal["individual", "global"]
    purpose: Literal["definitive", "temporary", "return_after_repair"]
    amends: Amends | None
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
    # The registers a prerequisite was checked in (e.g. approved internal compliance
    # programmes, for a global dual-use licence), with the version used.
    registers: list[RegisterUsed] = []


@event("ApplicationWithdrawn")
class ApplicationWithdrawn(Payload):
    """Customs withdrew an undecided application."""

    stream_doc = "the application id"
    examples = ({"application_id": _APPLICATION["id"], "reason": "contract cancelled"},)

    application_id: str
    reason: str | None


_SHIPMENT = {"licence_number": "NL-ML-2024-000001", "application_id": _APPLICATION["id"],
             "declaration_ref": "DECL-1", "shipped_on": "2024-05-02", "country": "NO",
             "quantity": 1, "value_eur": "600000.00", "regime": "military"}


@event("ShipmentRecorded")
class ShipmentRecorded(Payload):
    """A shipment counted against a licence's value."""

    stream_doc = "the application id of the licence"
    examples = (_SHIPMENT,)

    licence_number: str
    application_id: str
    declaration_ref: str
    shipped_on: Day
    country: Country
    quantity: int
    value_eur: Money
    regime: Regime


@event("ShipmentRefused")
class ShipmentRefused(Payload):
    """A shipment refused under a licence, with the reason in words and as a stable code."""

    stream_doc = "the application id of the licence"
    examples = ({**_SHIPMENT, "reason": "licence NL-ML-2024-000001 does not cover SE",
                 "reason_code": "country_not_covered"},)

    licence_number: str
    application_id: str
    declaration_ref: str
    shipped_on: Day
    country: Country
    quantity: int
    value_eur: Money
    regime: Regime
    reason: str
    reason_code: Literal["value_exceeded", "country_not_covered", "outside_validity", "revoked",
                         "suspended", "superseded", "catch_all_requirement", "sanctions"]
    # What the refusal cites beyond the licence itself: a catch-all decision's id, or the
    # regulation and annex of a sanction.
    cited: str | None = None


# How the flags of version 1 (sentences only) read as codes: the checker's sentences then.
_V1_FLAG_CODES = (
    (re.compile(r"is judged on the final destination, which is missing"),
     "final-destination-missing"),
    (re.compile(r"no longer covers"), "licence-not-valid-on-date"),
    (re.compile(r"does not cover (export|transit|transfer) \(only"), "direction-not-covered"),
    (re.compile(r"does not cover goods coming from"), "origin-not-covered"),
    (re.compile(r"does not cover final destination"), "destination-not-covered"),
    (re.compile(r"does not cover destination"), "destination-not-covered"),
    (re.compile(r"is not a known country code"), "unknown-country"),
    (re.compile(r"rating|dual-use entry|Annex IV item|covers only|national entry|covers Annex I"),
     "rating-not-covered"),
)


def flag_code_of_v1(text: str) -> str:
    """The stable code of a flag written by the version-1 checker, from its sentence."""
    return next((code for pattern, code in _V1_FLAG_CODES if pattern.search(text)),
                "unclassified")


class Flag(Value):
    """Why a realisation lies outside its general licence: a stable code and a sentence.

    `cited` names the decision or measure a flag rests on beyond the licence's conditions: a
    catch-all requirement's id, or the regulation and annex of a sanction on goods.
    """

    code: str
    text: str
    cited: str | None = None


@event("RealisationReported", version=2)
class RealisationReported(Payload):
    """A use of a general licence, flagged when outside the licence's conditions.

    `checked_on` is the day the conditions were judged on: `used_on` (the day of use) when
    given, else the period's last day, or the day of reporting if that is earlier. Version 2
    gives each flag a stable code beside its sentence; version 1 had sentences only.
    """

    stream_doc = "the realisation id"
    examples = ({"id": "9a0c2d9e-0000-4000-8000-000000000002", "code": "NL008",
                 "regime": "military", "exporter": {"name": "Damen Shipyards", "eori": "NL1"},
                 "period": "2024-Q2", "direction": "transit", "country": "US",
                 "destination": "TR", "value_eur": "12000.00", "ratings": ["ML9"],
                 "flagged": True, "flags": [
                     {"code": "destination-not-covered",
                      "text": "NL008 does not cover final destination TR"}],
                 "checked_on": "2024-06-30", "used_on": None},)

    id: str
    code: str
    regime: Literal["military", "dual_use", "national"]
    exporter: Company
    period: str
    direction: Literal["export", "transfer", "transit"]
    country: Country
    destination: Country | None
    value_eur: Money
    ratings: list[str]
    flagged: bool
    flags: list[Flag]
    checked_on: Day
    used_on: Day | None = None
    origin: Country | None = None
    recipient: Consignee | None = None
    registers: list[RegisterUsed] = []

    @staticmethod
    def upcast_v1_v2(old: dict[str, Any]) -> dict[str, Any]:
        """Version 1's flags were sentences: each gets the code its sentence stands for."""
        return {**old, "flags": [{"code": flag_code_of_v1(str(text)), "text": str(text)}
                                 for text in old.get("flags") or []]}


@event("ClassificationRequested")
class ClassificationRequested(Payload):
    """A question whether a good is controlled, and under which rating."""

    stream_doc = "the classification request id"
    examples = ({"id": "c1a5", "description": "thermal camera core",
                 "technical_data": "640x512 uncooled microbolometer, 30 Hz",
                 "applicant": None, "reference": None},)

    id: str
    description: str
    technical_data: str
    applicant: Company | None = None
    reference: str | None = None


@event("GeneralLicenceRegistered")
class GeneralLicenceRegistered(Payload):
    """An exporter registered (once, before first use) for a general licence."""

    stream_doc = "the registration id"
    examples = ({"id": "r-0000-4000-8000-000000000001", "code": "NL003",
                 "exporter": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
                 "registered_on": "2024-01-15"},)

    id: str
    code: str
    exporter: Company
    registered_on: Day


@event("GeneralLicenceRegistrationEnded")
class GeneralLicenceRegistrationEnded(Payload):
    """A registration ended (the exporter stopped, or after enforcement): uses from that day
    on are not registered."""

    stream_doc = "the registration id"
    examples = ({"id": "r-0000-4000-8000-000000000001", "code": "NL003",
                 "exporter_eori": "NL123456789", "ended_on": "2024-09-01",
                 "reason": "registration withdrawn after an investigation"},)

    id: str
    code: str
    exporter_eori: str
    ended_on: Day
    reason: str


@event("PersonalDataErased")
class PersonalDataErased(PersonalDataErasedFacts):
    """A data subject's personal data was erased in intake: the keys it was sealed with are
    deleted, so every personal field of the subject reads as erased. No personal data in it."""
