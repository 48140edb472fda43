"""Prerequisites of a licence, judged in the registers the office keeps: a global dual-use
licence only for an exporter with an approved internal compliance programme; a general licence
naming a recipient register (NL004) only to recipients listed in it on the day of use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from shared.contracts.intake import ApplicationSubmitted, Flag
from shared.contracts.types import Consignee, RegisterUsed
from shared.errors import FieldError
from shared.reference import GeneralLicence
from shared.reference.registers import Register

ICP_APPROVALS = "icp_approvals"
# The registers intake judges in, by name (certified_recipients, icp_approvals).
Registers = Mapping[str, Register]


def used(register: Register) -> RegisterUsed:
    """The register and version a judgement was made in."""
    return RegisterUsed(name=register.name, version=register.version)


def compliance_programme(app: ApplicationSubmitted, registers: Registers, *, on: dt.date
                         ) -> tuple[list[FieldError], list[RegisterUsed]]:
    """A global dual-use application needs an exporter whose programme is approved on `on`:
    the error when it is not, and the register consulted."""
    if app.regime != "dual_use" or app.licence_type != "global":
        return [], []
    register = registers[ICP_APPROVALS]
    if register.listing_of(app.applicant.eori, on) is not None:
        return [], [used(register)]
    return [FieldError(("body", "licence_type"),
                       f"a global dual-use licence needs an approved internal compliance "
                       f"programme: exporter {app.applicant.eori} has none approved on {on} "
                       f"(register {register.name} {register.version})")], [used(register)]


def recipient_flags(licence: GeneralLicence, recipient: Consignee | None, registers: Registers,
                    *, on: dt.date) -> tuple[list[Flag], list[RegisterUsed]]:
    """A flag when a licence that needs a listed recipient names none listed on `on`, and the
    register consulted."""
    if licence.recipient_register is None:
        return [], []
    register = registers[licence.recipient_register]
    where = f"register {register.name} {register.version}"
    if recipient is None:
        return [Flag(code="recipient-not-certified",
                     text=f"{licence.code} goes only to recipients in the {where}; the report "
                          "names no recipient")], [used(register)]
    if recipient.country is None or register.listing(
            name=recipient.name, country=recipient.country, on=on) is None:
        return [Flag(code="recipient-not-certified",
                     text=f"{licence.code} goes only to recipients in the {where}; "
                          f"{recipient.name} ({recipient.country}) is not in it on {on}")], [
            used(register)]
    return [], [used(register)]
