"""Matches dismissed directly in the denials registry are recorded on the case, once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from shared.clock import utcnow
from shared.envelope import Actor, Envelope
from tests.assessment.conftest import (
    ASSESSOR,
    MFA,
    FakeDenials,
    application,
    beside,
    publish,
    submit,
    upstream,
)
from tests.assessment.test_cases import screened
from tests.assessment.test_with_denials import german_denial
from tests.harness import NatsServer, RunningService, auth, eventually

OFFICIAL = auth("mfa", sub="mfa-official-7")


async def dismiss_in_registry(denials: RunningService, application_ref: str, denial_id: str,
                              reason: str) -> None:
    """An MFA official rules the match out on the denials API."""
    r = await denials.client.post("/v1/denials/matches/dismissals", headers=OFFICIAL, json={
        "application_ref": application_ref, "denial_id": denial_id, "reason": reason})
    assert r.status_code == 201, r.text


async def with_dismissals(svc: RunningService, case_id: str, count: int = 1
                          ) -> dict[str, Any]:
    """The case once it holds `count` dismissals."""

    async def check() -> dict[str, Any] | None:
        r = await svc.client.get(f"/v1/cases/{case_id}", headers=ASSESSOR)
        return r.json() if len(r.json()["dismissals"]) >= count else None

    return await eventually(check)  # type: ignore[no-any-return]


async def stream(svc: RunningService, stream_id: str) -> list[Envelope]:
    """Every event a service recorded on one stream."""
    async with svc.runtime.sessions() as session:
        return list(await svc.runtime.store.read(session, stream_id))


async def handled(svc: RunningService, consumer: str, event_id: str) -> bool:
    """Whether a service's consumer has committed its handling of an event."""
    inbox = svc.runtime.metadata.tables["inbox"]
    async with svc.runtime.sessions() as session:
        row = (await session.execute(select(inbox.c.event_id).where(
            inbox.c.consumer == consumer, inbox.c.event_id == event_id))).first()
    return row is not None


def dismissed_in_registry(denial_id: str, **payload: Any) -> Envelope:
    """The registry's MatchDismissed on the denial's stream, by a Dutch assessor."""
    now = utcnow()
    return Envelope(event_id=str(uuid.uuid4()), type="MatchDismissed", source="denials",
                    stream_id=denial_id, stream_version=2, occurred_at=now, recorded_at=now,
                    actor=Actor(sub="assessor-9", roles=("assessor",)),
                    correlation_id=denial_id,
                    payload={"denial_id": denial_id, "reason": "another end user",
                             "state": "DE", **payload}).sealed()


async def test_a_match_dismissed_in_the_registry_no_longer_blocks_approval(
        tmp_path: Path, nats_server: NatsServer, db_url: str,
        denials: RunningService) -> None:
    denial_id = await german_denial(denials)
    async with beside(denials, tmp_path, nats_server.url, db_url) as assessment:
        app, other = application(), application()
        await submit(assessment, app)
        await submit(assessment, other)
        case = await screened(assessment, app["id"])
        await screened(assessment, other["id"])
        assert [m["denial_id"] for m in case["denial_matches"]] == [denial_id]
        url = f"/v1/cases/{app['id']}/decision"
        r = await assessment.client.post(url, headers=MFA, json={"outcome": "approve"})
        assert r.status_code == 409 and r.json()["denial_ids"] == [denial_id]

        await dismiss_in_registry(denials, app["reference"], denial_id, "a civilian unit")
        case = await with_dismissals(assessment, app["id"])
        [ruling] = case["dismissals"]
        assert ruling["denial_id"] == denial_id and ruling["reason"] == "a civilian unit"
        assert ruling["by"] == "mfa-official-7" and ruling["via"] == "denials"
        assert not case["consultation"]["blocked"]

        [registered, in_registry] = await stream(denials, denial_id)
        [recorded] = [e for e in await stream(assessment, app["id"])
                      if e.type == "MatchDismissed"]
        assert recorded.causation_id == in_registry.event_id
        assert recorded.correlation_id == in_registry.correlation_id
        assert recorded.actor.sub == "mfa-official-7" and recorded.actor.roles == ("mfa",)
        assert recorded.occurred_at == in_registry.occurred_at
        assert recorded.payload == {"denial_id": denial_id, "reason": "a civilian unit",
                                    "application_id": app["id"],
                                    "application_ref": app["reference"], "state": "DE"}

        # The registry's event delivered again (another message id) and a second ruling on
        # the same pair record nothing more; a later dismissal on the same consumer proves
        # both were handled.
        bus = assessment.runtime.bus
        await bus.js.publish(in_registry.subject, in_registry.to_json().encode(),
                             headers={"Nats-Msg-Id": f"again-{in_registry.event_id}"})
        await publish(assessment, dismissed_in_registry(
            denial_id, application_id=app["id"], application_ref=app["reference"],
            reason="said twice"))
        await dismiss_in_registry(denials, other["reference"], denial_id, "another case")
        await with_dismissals(assessment, other["id"])
        assert [e.type for e in await stream(assessment, app["id"])].count(
            "MatchDismissed") == 1
        assert [d["reason"] for d in (await assessment.client.get(
            f"/v1/cases/{app['id']}", headers=MFA)).json()["dismissals"]] == ["a civilian unit"]

        # Assessment's event reaches the registry, which already holds the pair: no echo.
        assert await eventually(lambda: handled(denials, "denials", recorded.event_id))
        assert [e.event_id for e in await stream(denials, denial_id)][:2] == [
            registered.event_id, in_registry.event_id]
        assert [e.payload["application_ref"] for e in (await stream(denials, denial_id))[1:]
                ] == [app["reference"], other["reference"]]

        r = await assessment.client.post(url, headers=MFA, json={"outcome": "approve"})
        assert r.status_code == 200, r.text
        assert r.json()["outcome"] == "approved" and r.json()["licence_number"]
        assert await assessment.runtime.dead_letter_count() == 0


async def test_a_dismissal_made_in_assessment_does_not_come_back_from_the_registry(
        tmp_path: Path, nats_server: NatsServer, db_url: str,
        denials: RunningService) -> None:
    denial_id = await german_denial(denials)
    async with beside(denials, tmp_path, nats_server.url, db_url) as assessment:
        app = application()
        await submit(assessment, app)
        await screened(assessment, app["id"])
        r = await assessment.client.post(f"/v1/cases/{app['id']}/dismissals", headers=MFA,
                                         json={"denial_id": denial_id,
                                               "reason": "the end user is another unit"})
        assert r.status_code == 200, r.text

        async def mirrored() -> Envelope | None:
            events = await stream(denials, denial_id)
            return events[1] if len(events) > 1 else None

        mirror = await eventually(mirrored)
        assert mirror.payload["application_id"] == app["id"]
        assert await eventually(lambda: handled(assessment, "assessment-denials",
                                                mirror.event_id))
        [recorded] = [e for e in await stream(assessment, app["id"])
                      if e.type == "MatchDismissed"]
        assert mirror.causation_id == recorded.event_id
        case = (await assessment.client.get(f"/v1/cases/{app['id']}", headers=MFA)).json()
        assert case["dismissals"] == [{"denial_id": denial_id,
                                       "reason": "the end user is another unit",
                                       "by": "mfa-1",
                                       "recorded_at": case["dismissals"][0]["recorded_at"]}]
        assert len(await stream(denials, denial_id)) == 2
        assert await assessment.runtime.dead_letter_count() == 0


async def test_registry_dismissals_of_unknown_cases_and_closed_cases_are_left_alone(
        assessment: RunningService, fake_denials: FakeDenials) -> None:
    fake_denials.denials.append({"id": "den-3", "state": "DE", "destination": "SA",
                                 "end_user": "Royal Saudi Land Forces"})
    withdrawn, unmatched = application(), application(end_user={
        "name": "Saudi Red Crescent", "country": "SA", "type": "company"})
    for app in (withdrawn, unmatched):
        await submit(assessment, app)
        await screened(assessment, app["id"])
    await publish(assessment, upstream("intake", "ApplicationWithdrawn", withdrawn["id"],
                                       {"application_id": withdrawn["id"], "reason": None}))

    async def closed() -> bool:
        r = await assessment.client.get(f"/v1/cases/{withdrawn['id']}", headers=MFA)
        return bool(r.json()["status"] == "withdrawn")

    await eventually(closed)
    await publish(assessment, dismissed_in_registry("den-3", application_ref="NL-unknown"))
    await publish(assessment, dismissed_in_registry(
        "den-3", application_id=withdrawn["id"], application_ref=withdrawn["reference"]))
    # Named by reference only, a denial the screening did not raise is still recorded, so a
    # later screening that raises it does not hold approval up.
    await publish(assessment, dismissed_in_registry("den-3",
                                                    application_ref=unmatched["reference"]))
    case = await with_dismissals(assessment, unmatched["id"])
    assert case["denial_matches"] == []
    assert [(d["denial_id"], d["by"], d["via"]) for d in case["dismissals"]] == [
        ("den-3", "assessor-9", "denials")]
    assert "MatchDismissed" not in [e.type for e in await stream(assessment, withdrawn["id"])]
    assert await assessment.runtime.dead_letter_count() == 0
