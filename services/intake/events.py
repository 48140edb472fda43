"""Events the intake service records. Type names are stable strings, never Python paths.

The payload models document each event's shape (EVENTS.md is the catalogue); handlers build
payloads through them so an event never leaves intake in a shape its consumers do not expect.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

APPLICATION_SUBMITTED = "ApplicationSubmitted"
APPLICATION_WITHDRAWN = "ApplicationWithdrawn"
SHIPMENT_RECORDED = "ShipmentRecorded"
SHIPMENT_REFUSED = "ShipmentRefused"
REALISATION_REPORTED = "RealisationReported"
CLASSIFICATION_REQUESTED = "ClassificationRequested"


class _Payload(BaseModel):
    # Consumers may find more fields than listed here: adding optional fields keeps the version.
    model_config = ConfigDict(extra="allow")


class GoodsLinePayload(_Payload):
    """One goods line as accepted."""

    description: str
    rating: str | None
    quantity: int
    value_eur: str
    complete_system: bool
    annex: str | None


class ApplicationSubmittedV1(_Payload):
    """The whole application as accepted, defaults filled in, plus its total goods value."""

    id: str
    reference: str
    received_at: str
    regime: str
    procedure: str
    transaction: str
    licence_type: str
    purpose: str
    amends: dict[str, Any] | None
    catch_all: bool
    applicant: dict[str, Any]
    destinations: list[str]
    destination_group: str | None
    origins: list[str]
    consignee: dict[str, Any] | None
    end_user: dict[str, Any]
    end_use: str
    goods: list[GoodsLinePayload]
    service_value_eur: str | None
    value_eur: str


class ApplicationWithdrawnV1(_Payload):
    """Customs withdrew an undecided application."""

    application_id: str
    reason: str | None


class ShipmentRecordedV1(_Payload):
    """A shipment counted against a licence's value."""

    licence_number: str
    application_id: str
    declaration_ref: str
    shipped_on: str
    country: str
    quantity: int
    value_eur: str
    regime: str


class ShipmentRefusedV1(ShipmentRecordedV1):
    """A shipment refused under a licence, with the reason (kind and words)."""

    reason: str
    reason_code: str


class RealisationReportedV1(_Payload):
    """A use of a general licence, flagged when outside the licence's conditions."""

    id: str
    code: str
    regime: str
    exporter: dict[str, Any]
    period: str
    direction: str
    country: str
    destination: str | None
    value_eur: str
    ratings: list[str]
    flagged: bool
    flags: list[str]
    checked_on: str


class ClassificationRequestedV1(_Payload):
    """A question whether a good is controlled, and under which rating."""

    id: str
    description: str
    technical_data: str


PAYLOADS: dict[str, type[_Payload]] = {
    APPLICATION_SUBMITTED: ApplicationSubmittedV1,
    APPLICATION_WITHDRAWN: ApplicationWithdrawnV1,
    SHIPMENT_RECORDED: ShipmentRecordedV1,
    SHIPMENT_REFUSED: ShipmentRefusedV1,
    REALISATION_REPORTED: RealisationReportedV1,
    CLASSIFICATION_REQUESTED: ClassificationRequestedV1,
}


def payload(event_type: str, **fields: Any) -> dict[str, Any]:
    """A payload checked against its event's model, as plain JSON data."""
    return PAYLOADS[event_type].model_validate(fields).model_dump(mode="json")
