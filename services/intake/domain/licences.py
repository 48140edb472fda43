"""The licence as intake sees it: what it covers and until when, how much of it is used, and
where it stands (suspended, revoked, superseded by an extension or replacement).

Assessment issues and changes licences; intake follows its events and counts the shipments it
records itself. A suspension, reinstatement or revocation takes effect on the business day of its
event; a licence an extension or replacement amends is superseded on the new one's first day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from shared.contracts import Payload
from shared.contracts.assessment import (
    LicenceIssued,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSuspended,
)
from shared.contracts.intake import ShipmentRecorded
from shared.contracts.types import Regime

Standing = Literal["active", "suspended", "revoked"]
Status = Literal["active", "suspended", "revoked", "superseded", "expired"]
# What a licence says beyond its cover and value, shown with it as issued.
TERMS = ("reference", "licence_type", "transaction", "purpose", "goods", "decided_at", "amends")


@dataclass(frozen=True)
class Suspension:
    """A suspension from its first day until the day of reinstatement (None: still on)."""

    start: dt.date
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        """Whether the licence is suspended on `day`."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Licence:
    """A licence's cover, validity, value and standing, as shipments are judged against."""

    number: str
    application_id: str
    regime: Regime
    destinations: tuple[str, ...]
    destination_group: str | None
    value_eur: Decimal
    valid_from: dt.date
    valid_until: dt.date
    used_eur: Decimal = Decimal("0.00")
    revoked_on: dt.date | None = None
    suspensions: tuple[Suspension, ...] = ()
    superseded_by: str | None = None
    superseded_on: dt.date | None = None
    terms: Mapping[str, Any] = field(default_factory=dict)
    # The exporter (LicenceIssued.applicant), when assessment named it: catch-all requirements
    # on the exporter cover shipments under its licences.
    exporter_eori: str | None = None

    @property
    def left_eur(self) -> Decimal:
        """What may still be shipped."""
        return max(self.value_eur - self.used_eur, Decimal(0))

    @property
    def suspended(self) -> bool:
        """Whether a suspension has not ended yet."""
        return bool(self.suspensions) and self.suspensions[-1].end is None

    @property
    def standing(self) -> Standing:
        """Revoked, suspended or active (a revocation outranks a suspension)."""
        if self.revoked_on is not None:
            return "revoked"
        return "suspended" if self.suspended else "active"

    def status_on(self, today: dt.date) -> Status:
        """Where the licence stands today: an active one may be superseded or expired."""
        if self.standing != "active":
            return self.standing
        if self.superseded_by is not None:
            return "superseded"
        return "expired" if today > self.valid_until else "active"


def issue(event: LicenceIssued, *, taken_over: Licence | None = None) -> Licence:
    """A licence as issued; an extension or replacement carries on the value its licence used.

    What was shipped under the old licence counts against the new one, or an extension would
    let an exporter ship the licence value twice.
    """
    data = event.model_dump(mode="json")
    return Licence(
        number=event.licence_number, application_id=event.application_id,
        regime=event.regime, destinations=tuple(event.destinations),
        destination_group=event.destination_group, value_eur=event.value_eur,
        valid_from=event.valid_from, valid_until=event.valid_until,
        used_eur=taken_over.used_eur if taken_over is not None else Decimal("0.00"),
        terms={name: data[name] for name in TERMS},
        exporter_eori=event.applicant.eori if event.applicant is not None else None)


def evolve(licence: Licence, event: Payload, *, on: dt.date) -> Licence:
    """The licence after one event that happened on business day `on`."""
    match event:
        case LicenceSuspended() if not licence.suspended:
            return replace(licence, suspensions=(*licence.suspensions, Suspension(on)))
        case LicenceReinstated() if licence.suspended:
            last = replace(licence.suspensions[-1], end=on)
            return replace(licence, suspensions=(*licence.suspensions[:-1], last))
        case LicenceRevoked():
            return replace(licence, revoked_on=on)
        case LicenceIssued() if (event.amends is not None
                                 and event.amends.licence_number == licence.number
                                 and event.licence_number != licence.number):
            return replace(licence, superseded_by=event.licence_number,
                           superseded_on=event.valid_from)
        case ShipmentRecorded() if event.licence_number == licence.number:
            return replace(licence, used_eur=licence.used_eur + event.value_eur)
    return licence


def fold(first: Licence, events: Iterable[tuple[Payload, dt.date]]) -> Licence:
    """The licence after these events, each with its business day."""
    licence = first
    for event, on in events:
        licence = evolve(licence, event, on=on)
    return licence
