"""The answers of intake's API: the documents it returns, their fields typed as in the contract.

Money is a decimal string with two decimals, times are ISO 8601 with their offset, days
"YYYY-MM-DD" (the contract types of shared.contracts.types). Each `*_document` function turns a
state or an event into the document its answer model reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.intake.domain.application import Application
from services.intake.domain.licences import Licence
from services.intake.domain.registrations import Registration
from shared.contracts import types as contract_types
from shared.contracts.intake import ShipmentRecorded


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


_ERASED = ("personal data: once the person is erased it reads as the marker "
           '`{"$erased": 1, "subject": ...}`')
_SUBJECT = "the person's data subject id (`ps_...`), what `licensing erase` takes"


class ContactOut(_Out):
    """The contact person at an exporter (personal data)."""

    name: contract_types.PersonalText = Field(description=_ERASED)
    email: contract_types.PersonalText | None = Field(default=None, description=_ERASED)
    phone: contract_types.PersonalText | None = Field(default=None, description=_ERASED)
    subject: str = Field(description=_SUBJECT)


class PartyOut(_Out):
    """An exporter or applicant."""

    name: str
    eori: str


class ApplicantOut(PartyOut):
    """The applicant, with its contact person when customs gave one."""

    contact: ContactOut | None = None


class ConsigneeOut(_Out):
    """Who receives the goods."""

    name: contract_types.PersonalText = Field(description="for a private consignee " + _ERASED)
    country: str | None
    type: Literal["company", "government", "private"] | None = None
    subject: str | None = Field(default=None, description="a private consignee's: " + _SUBJECT)


class EndUserOut(_Out):
    """Who finally uses the goods."""

    name: contract_types.PersonalText = Field(description="for a private end user " + _ERASED)
    country: str
    type: str | None
    subject: str | None = Field(default=None, description="a private end user's: " + _SUBJECT)


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


class RegisterOut(_Out):
    """A register or list of the reference data, and the version a judgement used."""

    name: str
    version: str


class ApplicationOut(_Out):
    """An application as accepted, with where its case stands.

    `licence_number` appears once a licence is issued, `decided_at` once decided, `criteria`
    with a denial.
    """

    id: str
    reference: str
    received_at: contract_types.Instant
    regime: contract_types.Regime
    procedure: Literal["licence", "sondage"]
    transaction: contract_types.Transaction
    licence_type: Literal["individual", "global"]
    purpose: Literal["definitive", "temporary", "return_after_repair"]
    amends: AmendsOut | None
    catch_all: bool
    applicant: ApplicantOut
    destinations: list[str]
    destination_group: Literal["EU", "EU_NATO_PLUS"] | None
    origins: list[str]
    consignee: ConsigneeOut | None
    end_user: EndUserOut
    end_use: str
    goods: list[GoodsLineOut]
    service_value_eur: contract_types.Money | None
    value_eur: contract_types.Money = Field(description="the sum of the goods lines")
    registers: list[RegisterOut] = Field(
        default_factory=list, description="the registers and lists a prerequisite or rating was "
                                          "checked in, with the version used")
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
    regime: contract_types.Regime
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
    regime: contract_types.Regime
    outcome: Literal["recorded"]


class RecipientOut(_Out):
    """Who receives goods under a general licence."""

    name: str
    country: str | None


class RealisationOut(_Out):
    """A realisation as recorded: flagged, with a sentence and a stable code per flag (in the
    same order), when outside the general licence's conditions on `checked_on`."""

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
    checked_on: dt.date = Field(description="the day the conditions were judged on: `used_on` "
                                            "when given, else the period's last day or today")
    used_on: dt.date | None = None
    origin: str | None = None
    recipient: RecipientOut | None = None
    registers: list[RegisterOut] = Field(
        default_factory=list, description="the conditions and registers it was judged in, with "
                                          "the version used")


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


class RegistrationOut(_Out):
    """An exporter's registration for a general licence; `ended_on` is null while it runs."""

    id: str
    code: str
    exporter: PartyOut
    registered_on: dt.date
    ended_on: dt.date | None = Field(description="the first day no longer covered")
    end_reason: str | None = None


class RegistrationPage(_Out):
    """One page of registrations, oldest first; `next_cursor` fetches the next."""

    items: list[RegistrationOut]
    next_cursor: str | None


def registration_document(registration: Registration) -> dict[str, Any]:
    """A registration as customs reads it."""
    exporter = registration.exporter
    assert exporter is not None, "only a registration that exists is shown"
    return {"id": registration.id, "code": registration.code,
            "exporter": exporter.model_dump(mode="json"),
            "registered_on": registration.registered_on, "ended_on": registration.ended_on,
            "end_reason": registration.end_reason}


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
