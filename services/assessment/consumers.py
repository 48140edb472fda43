"""Assessment's subscriptions: intake's events open cases."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.db import cases
from shared.consumer import ConsumerSpec
from shared.envelope import SYSTEM, Envelope, canonical_json
from shared.eventstore import NewEvent
from shared.service import Runtime


def consumer_spec(runtime: Runtime) -> ConsumerSpec:
    """The durable consumer of intake's events."""

    async def on_submitted(session: AsyncSession, env: Envelope) -> None:
        app = env.payload
        exists = (await session.execute(select(cases.c.id).where(cases.c.id == app["id"]))).first()
        if exists is not None:
            return
        queue = "mfa"
        recorded = await runtime.store.append(
            session, app["id"],
            [NewEvent("CaseOpened", {"application_id": app["id"], "reference": app["reference"],
                                     "queue": queue}, occurred_at=env.occurred_at)],
            actor=SYSTEM, correlation_id=env.correlation_id, causation_id=env.event_id,
        )
        await session.execute(insert(cases).values(
            id=app["id"], application_id=app["id"], reference=app["reference"], queue=queue,
            status="open", opened_at=recorded[0].recorded_at,
            document=canonical_json({"application": app}), version=recorded[-1].stream_version,
        ))

    return ConsumerSpec(
        name="assessment",
        subjects=["lic.intake.>"],
        handlers={"ApplicationSubmitted": on_submitted},
    )
