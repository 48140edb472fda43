"""Shipments under a licence: within its standing, validity, cover and the value left, or refused
with a stable code and plain words (the refusal is recorded too)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from services.intake.domain.catch_all import Requirement, covering
from services.intake.domain.licences import Licence
from services.intake.domain.sanctions import bans, cited, sentence
from services.intake.domain.values import DESTINATION_GROUPS
from shared.contracts.intake import ShipmentRecorded, ShipmentRefused
from shared.contracts.types import money_text
from shared.errors import FieldError, Invalid
from shared.reference import ReferenceData
from shared.reference.sanctions import GoodsSanctions


@dataclass(frozen=True)
class RecordShipment:
    """Customs reports one export declaration under a licence."""

    licence_number: str
    declaration_ref: str
    shipped_on: dt.date
    country: str
    quantity: int
    value_eur: Decimal


@dataclass(frozen=True)
class Refusal:
    """Why a shipment may not go under a licence: a stable code and plain words, and what it
    cites beyond the licence (a catch-all requirement, a sanction)."""

    code: str
    reason: str
    cited: str | None = None


def check_day(cmd: RecordShipment, *, today: dt.date) -> None:
    """Refuse a shipment dated after today (Invalid): customs reports what has gone."""
    if cmd.shipped_on > today:
        raise Invalid(errors=[FieldError(("body", "shipped_on"), "lies in the future")])


def covers(licence: Licence, country: str, on: dt.date, ref: ReferenceData) -> bool:
    """Whether a licence covers shipping to `country` on `on` (named, or by its group)."""
    if country in licence.destinations:
        return True
    groups = set(licence.destinations) & set(DESTINATION_GROUPS)
    if licence.destination_group:
        groups.add(licence.destination_group)
    if "EU" in groups and ref.is_eu(country, on):
        return True
    return "EU_NATO_PLUS" in groups and ref.is_nato_plus(country, on)


def judge_shipment(licence: Licence, *, shipped_on: dt.date, country: str, value_eur: Decimal,
                   ref: ReferenceData, sanctions: GoodsSanctions,
                   requirements: Iterable[Requirement] = ()) -> Refusal | None:
    """Whether a shipment fits its licence; the first reason it does not, else None.

    `sanctions` are the goods sanctions, `requirements` the catch-all requirements on the
    licence's exporter.
    """
    n = licence.number
    if licence.revoked_on is not None and shipped_on >= licence.revoked_on:
        return Refusal("revoked", f"licence {n} was revoked on {licence.revoked_on}")
    if licence.superseded_on is not None and shipped_on >= licence.superseded_on:
        return Refusal("superseded", f"licence {n} was replaced by {licence.superseded_by} on "
                                     f"{licence.superseded_on}; ship under that licence")
    for suspension in licence.suspensions:
        if suspension.covers(shipped_on):
            until = f" until {suspension.end}" if suspension.end else ""
            return Refusal("suspended", f"licence {n} was suspended from {suspension.start}"
                                        f"{until}")
    if not licence.valid_from <= shipped_on <= licence.valid_until:
        return Refusal("outside_validity",
                       f"licence {n} is valid from {licence.valid_from} to "
                       f"{licence.valid_until}, not on {shipped_on}")
    if not covers(licence, country, shipped_on, ref):
        cover = ", ".join(licence.destinations)
        if licence.destination_group:
            cover += f" (group {licence.destination_group})"
        return Refusal("country_not_covered", f"licence {n} does not cover {country}; "
                                              f"it covers {cover}")
    if licence.exporter_eori is not None:
        for requirement, _ in covering(requirements, eori=licence.exporter_eori,
                                       destinations=[country], on=shipped_on):
            return Refusal("catch_all_requirement",
                           f"{requirement.sentence(country)}: no shipment under licence {n} "
                           "until it is lifted", cited=requirement.id)
    ratings = [str(line["rating"]) for line in licence.terms.get("goods", ()) if line["rating"]]
    for ban, rating, _ in bans(sanctions, ratings=ratings, destinations=[country],
                               on=shipped_on):
        return Refusal("sanctions", f"{sentence(sanctions, ban, rating, country, shipped_on)}"
                                    f"; licence {n} lists it", cited=cited(ban))
    if value_eur > licence.value_eur - licence.used_eur:
        return Refusal("value_exceeded",
                       f"the shipment of {money_text(value_eur)} EUR exceeds what is left "
                       f"under licence {n}: {money_text(licence.left_eur)} of "
                       f"{money_text(licence.value_eur)} EUR")
    return None


def decide_shipment(licence: Licence, cmd: RecordShipment, ref: ReferenceData, *,
                    sanctions: GoodsSanctions, requirements: Iterable[Requirement] = ()
                    ) -> ShipmentRecorded | ShipmentRefused:
    """The shipment counted against its licence, or its refusal with the reason."""
    fields = {"licence_number": licence.number, "application_id": licence.application_id,
              "declaration_ref": cmd.declaration_ref, "shipped_on": cmd.shipped_on,
              "country": cmd.country, "quantity": cmd.quantity, "value_eur": cmd.value_eur,
              "regime": licence.regime}
    refusal = judge_shipment(licence, shipped_on=cmd.shipped_on, country=cmd.country,
                             value_eur=cmd.value_eur, ref=ref, sanctions=sanctions,
                             requirements=requirements)
    if refusal is None:
        return ShipmentRecorded.model_validate(fields)
    return ShipmentRefused.model_validate({**fields, "reason": refusal.reason,
                                           "reason_code": refusal.code,
                                           "cited": refusal.cited})
