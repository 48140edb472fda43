"""Intake commands: load, decide, append events with their read-model rows, commit."""

from services.intake.handlers.applications import (
    get_application,
    submit_application,
    withdraw_application,
)
from services.intake.handlers.classifications import (
    get_classification_request,
    request_classification,
)
from services.intake.handlers.realisations import get_realisation, report_realisation
from services.intake.handlers.shipments import ShipmentOutcome, get_licence, record_shipment

__all__ = [
    "ShipmentOutcome",
    "get_application",
    "get_classification_request",
    "get_licence",
    "get_realisation",
    "record_shipment",
    "report_realisation",
    "request_classification",
    "submit_application",
    "withdraw_application",
]
