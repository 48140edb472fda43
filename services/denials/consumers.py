"""Denials' subscriptions: Dutch denials decided in assessment enter the registry as `NL`, and
matches an assessor dismissed on a case in assessment are ruled out here too."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.denials.db import applications, denials
from services.denials.domain import business_date
from services.denials.handlers.common import Policy
from services.denials.handlers.registry import record_denial, record_dismissal
from services.denials.ratings import normalise_rating
from shared.consumer import ConsumerSpec, RetryLater
from shared.envelope import SYSTEM, Envelope, canonical_json
from shared.eventstore import ConcurrencyConflict
from shared.service import Runtime

log = logging.getLogger(__name__)

# Dutch denial ids are derived from application and destination, so a replay finds its own.
NL_DENIALS = uuid.UUID("6b1f7a52-4c1e-4d8e-9a57-2f1d0c3e8b11")
DENIED = frozenset({"denied", "deny"})


def _keep(app: dict[str, Any]) -> dict[str, Any]:
    """The few application fields a denial notification needs; the rest stays in intake."""
    return {
        "id": app["id"], "reference": app["reference"], "regime": app.get("regime"),
        "procedure": app.get("procedure", "licence"),
        "destinations": app.get("destinations") or [],
        "consignee": app.get("consignee"), "end_user": app.get("end_user"),
        "goods": [{"description": g.get("description"), "rating": g.get("rating"),
                   "quantity": g.get("quantity")} for g in app.get("goods") or []],
    }


def nl_denials(app: dict[str, Any], decided: dict[str, Any]) -> list[dict[str, Any]]:
    """The denial notifications of one denied Dutch application: one per destination."""
    goods = app["goods"]
    ratings = [normalise_rating(g["rating"]) for g in goods]
    description = "; ".join(str(g["description"]) for g in goods if g.get("description"))
    end_user = app.get("end_user") or {}
    consignee = app.get("consignee")
    decided_at = dt.datetime.fromisoformat(decided["decided_at"])
    destinations = app["destinations"] or [end_user.get("country")]
    # A denial without any rating is indexed under the key of "no rating" (catch-all goods).
    known: list[str | None] = [r for r in sorted({r for r in ratings if r})]
    out = []
    for destination in destinations:
        if not destination:
            continue
        out.append({
            "id": str(uuid.uuid5(NL_DENIALS, f"{app['id']}:{destination}")),
            "state": "NL", "reference": app["reference"],
            "denied_on": business_date(decided_at).isoformat(),
            "regime": app.get("regime") or "military", "procedure": app["procedure"],
            "destination": destination,
            "consignee": ({"name": consignee.get("name"), "country": consignee.get("country")}
                          if consignee and consignee.get("name") else None),
            "end_user": {"name": end_user.get("name", ""), "country": end_user.get("country")},
            "goods_description": description[:300],
            "rating": next((r for r in ratings if r), None),
            "ratings": known or [None],
            "quantity": sum(int(g.get("quantity") or 0) for g in goods) or None,
            "criteria": sorted(int(c) for c in decided.get("criteria") or []),
            "application_id": app["id"],
        })
    return out


def consumer_spec(runtime: Runtime, policy: Callable[[], Policy]) -> ConsumerSpec:
    """The durable consumer of intake's submissions and assessment's decisions and dismissals."""

    async def on_submitted(session: AsyncSession, env: Envelope) -> None:
        app = env.payload
        known = (await session.execute(select(applications.c.id)
                                       .where(applications.c.id == app["id"]))).first()
        if known is None:
            await session.execute(insert(applications).values(
                id=app["id"], reference=app["reference"], document=canonical_json(_keep(app))))

    async def on_decided(session: AsyncSession, env: Envelope) -> None:
        decided = env.payload
        if decided.get("outcome") not in DENIED:
            return
        row = (await session.execute(select(applications.c.document).where(
            applications.c.id == decided["application_id"]))).first()
        if row is None:
            # Intake's event comes first in the log; until it is here, try again later.
            raise RetryLater(f"application {decided['application_id']} not seen yet")
        for denial in nl_denials(json.loads(row[0]), decided):
            exists = (await session.execute(select(denials.c.id)
                                            .where(denials.c.id == denial["id"]))).first()
            if exists is not None:
                continue
            await record_denial(runtime, session, policy(), denial, actor=SYSTEM,
                                correlation_id=env.correlation_id, causation_id=env.event_id)
            log.info("registered NL denial %s for %s (event %s, correlation %s)",
                     denial["id"], denial["destination"], env.event_id, env.correlation_id)

    async def on_dismissed(session: AsyncSession, env: Envelope) -> None:
        if env.source != "assessment":
            return
        p = env.payload
        application_id = str(p.get("application_id") or env.stream_id)
        application_ref = p.get("application_ref")
        if not application_ref:
            # Events recorded before assessment named the case's reference.
            application_ref = (await session.execute(select(applications.c.reference).where(
                applications.c.id == application_id))).scalar()
            if application_ref is None:
                raise RetryLater(f"application {application_id} not seen yet")
        try:
            _, created = await record_dismissal(
                runtime, session, application_ref=str(application_ref),
                denial_id=str(p["denial_id"]), reason=str(p["reason"]), actor=env.actor,
                dismissed_at=env.occurred_at, application_id=application_id,
                correlation_id=env.correlation_id, causation_id=env.event_id)
        except ConcurrencyConflict as exc:
            raise RetryLater(str(exc)) from exc
        if created:
            log.info("match of denial %s dismissed for %s in assessment by %s (event %s, "
                     "correlation %s)", p["denial_id"], application_ref, env.actor.sub,
                     env.event_id, env.correlation_id)

    return ConsumerSpec(
        name="denials",
        subjects=["lic.intake.>", "lic.assessment.>"],
        handlers={"ApplicationSubmitted": on_submitted, "CaseDecided": on_decided,
                  "MatchDismissed": on_dismissed},
    )
