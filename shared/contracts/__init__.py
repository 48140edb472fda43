"""Event contracts: every event type of every producer, typed, versioned, in one registry.

Services read each other's contracts here, never each other's code. Importing this package
registers every contract module; `REGISTRY` then knows every `(source, type, version)`.
"""

from shared.contracts import assessment, denials, intake
from shared.contracts.base import (
    REGISTRY,
    Event,
    Payload,
    PersonalData,
    Registry,
    UnusableEvent,
    contract,
)

__all__ = ["REGISTRY", "Event", "Payload", "PersonalData", "Registry", "UnusableEvent",
           "assessment", "contract", "denials", "intake"]
