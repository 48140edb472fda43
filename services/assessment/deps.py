"""The dependencies of assessment's routes, as named `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from services.assessment.handlers.context import Context
from services.assessment.screening import Screener
from shared.auth import Principal, Role, require
from shared.problems import Problem
from shared.service import RuntimeDep


async def context(request: Request) -> Context:
    """The service's collaborators (runtime, reference data, settings)."""
    return request.app.state.assessment  # type: ignore[no-any-return]


async def screener(request: Request) -> Screener | None:
    """The background screener, once the service runs."""
    return getattr(request.app.state, "screener", None)


async def if_match(value: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The case version an `If-Match` header names (`"3"`, `W/"3"` or `3`); None for none or `*`."""
    if value is None or value.strip() == "*":
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise Problem(400, "Invalid If-Match", f"If-Match must name a case version such as "
                      f'"3", not {value!r}', kind="invalid-if-match")
    return int(raw)


ContextDep = Annotated[Context, Depends(context)]
ScreenerDep = Annotated[Screener | None, Depends(screener)]
IfMatch = Annotated[int | None, Depends(if_match)]
# Who works cases: the CDIU's assessors and the MFA (each decides its own queue).
CaseWorker = Annotated[Principal, Depends(require(Role.ASSESSOR, Role.MFA))]
Assessor = Annotated[Principal, Depends(require(Role.ASSESSOR))]
Mfa = Annotated[Principal, Depends(require(Role.MFA))]

__all__ = ["Assessor", "CaseWorker", "ContextDep", "IfMatch", "Mfa", "RuntimeDep",
           "ScreenerDep"]
