"""The dependencies of denials' routes as named aliases (the same names in every service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.denials.domain.validity import Policy
from shared.auth import Principal, Role, require
from shared.reference import ReferenceData
from shared.service import RuntimeDep

__all__ = ["DutchOfficial", "Partner", "PolicyDep", "ReferenceDep", "RegistryReader",
           "RuntimeDep", "StatisticsReader"]


def _policy(request: Request) -> Policy:
    return request.app.state.policy  # type: ignore[no-any-return]


def _reference(request: Request) -> ReferenceData:
    return request.app.state.reference  # type: ignore[no-any-return]


PolicyDep = Annotated[Policy, Depends(_policy)]
ReferenceDep = Annotated[ReferenceData, Depends(_reference)]

Partner = Annotated[Principal, Depends(require(Role.PARTNER))]
DutchOfficial = Annotated[Principal, Depends(require(Role.ASSESSOR, Role.MFA))]
RegistryReader = Annotated[Principal, Depends(require(Role.PARTNER, Role.ASSESSOR, Role.MFA))]
StatisticsReader = Annotated[Principal, Depends(require(
    Role.PARTNER, Role.ASSESSOR, Role.MFA, Role.REPORTER, Role.ADMIN))]
