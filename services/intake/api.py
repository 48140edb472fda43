"""Intake's HTTP API: routes translate requests into commands, nothing more."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from services.intake import handlers
from shared.auth import Principal, require
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["applications"])
Customs = Annotated[Principal, Depends(require("customs"))]


class Party(BaseModel):
    """A named party in a country."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    type: Literal["armed_forces", "government", "company", "private"] | None = None


class GoodsLine(BaseModel):
    """One line of goods."""

    model_config = ConfigDict(extra="forbid")
    description: str = Field(min_length=1, max_length=300)
    rating: str | None = Field(default=None, max_length=40)
    quantity: int = Field(ge=1, le=10**12)
    value_eur: str = Field(pattern=r"^\d{1,13}(\.\d{1,2})?$")
    complete_system: bool = False


class ApplicationIn(BaseModel):
    """An application for a licence (or a sondage), as customs posts it."""

    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=300)
    received_at: datetime | None = None
    regime: Literal["military", "dual_use", "anti_torture"]
    procedure: Literal["licence", "sondage"] = "licence"
    transaction: Literal["export", "transfer", "transit", "brokering"]
    licence_type: Literal["individual", "global"]
    purpose: Literal["definitive", "temporary", "return_after_repair"] = "definitive"
    destinations: list[str] = Field(min_length=1)
    end_user: Party
    end_use: str = Field(min_length=1, max_length=2000)
    goods: list[GoodsLine] = Field(min_length=1)


@router.post("/applications", status_code=201, summary="Submit an application")
async def submit_application(
    body: ApplicationIn, response: Response, runtime: RuntimeDep, who: Customs,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=300)],
) -> dict[str, Any]:
    """Record an application once per Idempotency-Key."""
    document, created = await handlers.submit_application(
        runtime, body=body.model_dump(mode="json"),
        key=idempotency_key, who=who, received_at=body.received_at,
    )
    if not created:
        response.status_code = 200
    return document


@router.get("/applications/{application_id}", summary="An application and its status")
async def get_application(application_id: str, runtime: RuntimeDep, who: Customs
                          ) -> dict[str, Any]:
    """The application with its current status."""
    return await handlers.get_application(runtime, application_id)
