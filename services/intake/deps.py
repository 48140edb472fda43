"""Intake's dependencies as named aliases: the runtime, the reference data, the callers' roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from services.intake.domain.prerequisites import Registers
from shared.auth import Principal, Role, require
from shared.reference import ReferenceData
from shared.reference.sanctions import GoodsSanctions
from shared.service import Runtime, get_runtime


async def reference(request: Request) -> ReferenceData:
    """The reference data loaded at start."""
    return request.app.state.reference  # type: ignore[no-any-return]


async def registers(request: Request) -> Registers:
    """The registers the prerequisites are judged in, loaded at start."""
    return request.app.state.registers  # type: ignore[no-any-return]


async def sanctions(request: Request) -> GoodsSanctions:
    """The goods sanctions, loaded at start."""
    return request.app.state.sanctions  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ReferenceDep = Annotated[ReferenceData, Depends(reference)]
RegistersDep = Annotated[Registers, Depends(registers)]
SanctionsDep = Annotated[GoodsSanctions, Depends(sanctions)]
Customs = Annotated[Principal, Depends(require(Role.CUSTOMS))]
# Who may read a licence or a realisation: customs, and the assessors of CDIU and the MFA.
CaseReader = Annotated[Principal, Depends(require(Role.CUSTOMS, Role.ASSESSOR, Role.MFA))]
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=300,
                                       description="the same key with the same body answers "
                                                   "the same")]
OptionalIdempotencyKey = Annotated[str | None, Header(min_length=1, max_length=300)]
