"""Registrations for a general licence: an exporter registers once, before first use, and may be
ended (the exporter stops, or after enforcement). A use on a day no registration covers is
flagged `not-registered`, never dropped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from services.intake.domain.general_licences import general_licence
from services.intake.domain.values import EORI
from shared.contracts import Payload
from shared.contracts.intake import GeneralLicenceRegistered, GeneralLicenceRegistrationEnded
from shared.contracts.types import Company
from shared.errors import Conflict, FieldError, Invalid, NotFound
from shared.reference import ReferenceData


@dataclass(frozen=True)
class Registration:
    """An exporter's registration for a general licence; `id` is None before it exists."""

    id: str | None = None
    code: str = ""
    exporter: Company | None = None
    registered_on: dt.date | None = None
    ended_on: dt.date | None = None
    end_reason: str | None = None

    def covers(self, day: dt.date) -> bool:
        """Whether the exporter is registered on `day` (the end day is no longer covered)."""
        return (self.registered_on is not None and self.registered_on <= day
                and (self.ended_on is None or day < self.ended_on))


NEW = Registration()


@dataclass(frozen=True)
class RegisterExporter:
    """Customs registers an exporter for general licence `code` from `registered_on`."""

    registration_id: str
    code: str
    exporter: Company
    registered_on: dt.date


@dataclass(frozen=True)
class EndRegistration:
    """Customs ends a registration: uses from `ended_on` on are not registered."""

    registration_id: str
    ended_on: dt.date
    reason: str


def decide_register(registration: Registration, cmd: RegisterExporter, ref: ReferenceData, *,
                    others: Sequence[Registration], today: dt.date) -> list[Payload]:
    """The registration, unless the exporter holds one for the licence that is still running.

    `others` are the exporter's registrations for the same licence.
    """
    general_licence(ref, cmd.code)
    if registration.id is not None:
        raise Conflict(f"registration {cmd.registration_id} exists already")
    errors = []
    if cmd.registered_on > today:
        errors.append(FieldError(("body", "registered_on"), "lies in the future"))
    eori = EORI.match(cmd.exporter.eori)
    if eori is None or not ref.is_country(eori["country"]):
        errors.append(FieldError(("body", "exporter", "eori"),
                                 "not an EORI number (e.g. NL123456789)"))
    if errors:
        raise Invalid(errors=errors)
    running = [r for r in others if r.ended_on is None or r.ended_on > cmd.registered_on]
    if running:
        first = min(running, key=lambda r: (r.registered_on or dt.date.min, r.id or ""))
        raise Conflict(f"exporter {cmd.exporter.eori} is registered for {cmd.code} already, "
                       f"since {first.registered_on} (registration {first.id})",
                       code="already-registered", registration_id=first.id)
    return [GeneralLicenceRegistered(id=cmd.registration_id, code=cmd.code,
                                     exporter=cmd.exporter, registered_on=cmd.registered_on)]


def decide_end(registration: Registration, cmd: EndRegistration) -> list[Payload]:
    """The end of a registration; nothing when it ended so already; Conflict when otherwise."""
    if registration.id is None or registration.exporter is None:
        raise NotFound(f"no registration {cmd.registration_id}")
    if registration.ended_on is not None:
        if (registration.ended_on, registration.end_reason) == (cmd.ended_on, cmd.reason):
            return []
        raise Conflict(f"registration {registration.id} ended on {registration.ended_on} "
                       "already", code="registration-ended",
                       ended_on=registration.ended_on.isoformat())
    if registration.registered_on is not None and cmd.ended_on < registration.registered_on:
        raise Invalid(errors=[FieldError(("body", "ended_on"),
                                         f"lies before the registration "
                                         f"({registration.registered_on})")])
    return [GeneralLicenceRegistrationEnded(id=registration.id, code=registration.code,
                                            exporter_eori=registration.exporter.eori,
                                            ended_on=cmd.ended_on, reason=cmd.reason)]


def evolve(registration: Registration, event: Payload) -> Registration:
    """The registration after one of its events."""
    match event:
        case GeneralLicenceRegistered():
            return Registration(id=event.id, code=event.code, exporter=event.exporter,
                                registered_on=event.registered_on)
        case GeneralLicenceRegistrationEnded():
            return replace(registration, ended_on=event.ended_on, end_reason=event.reason)
    return registration


def fold(events: Iterable[Payload], registration: Registration = NEW) -> Registration:
    """The registration after these events, in order."""
    for event in events:
        registration = evolve(registration, event)
    return registration


def registered(registrations: Iterable[Registration], on: dt.date) -> bool:
    """Whether any of an exporter's registrations for a licence covers `on`."""
    return any(r.covers(on) for r in registrations)
