"""Folding a case's stream gives exactly its read models, after a whole tour of its life and
its licence's: the tables are written from the folded state and cannot drift from the events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, select

from services.assessment.domain import dossier
from services.assessment.domain.dossier import Dossier
from services.assessment.domain.recorded import fold
from services.assessment.handlers.catch_all import REQUIREMENT
from services.assessment.handlers.investigations import INVESTIGATION
from services.assessment.handlers.projection import (
    case_row,
    investigation_row,
    licence_row,
    notification_row,
    requirement_row,
)
from services.assessment.handlers.streams import recorded
from shared.aggregate import load
from tests.assessment.conftest import MFA, FakeDenials, application, publish, submit, upstream
from tests.assessment.test_cases import screened
from tests.assessment.test_dismissals_from_denials import dismissed_in_registry, with_dismissals
from tests.harness import RunningService, eventually


async def folded(svc: RunningService, stream_id: str) -> tuple[Dossier, int]:
    """The case and licence folded from the stream as stored, and its version."""
    async with svc.runtime.sessions() as session:
        envelopes = await svc.runtime.store.read(session, stream_id)
    return (fold(dossier.evolve, Dossier(), [recorded(e) for e in envelopes]),
            envelopes[-1].stream_version)


async def stored(svc: RunningService, table: str, key: str, value: str) -> dict[str, Any]:
    """One row of a read model, times in UTC (SQLite gives them back without their zone)."""
    t: Table = svc.runtime.metadata.tables[table]
    async with svc.runtime.sessions() as session:
        row = (await session.execute(select(t).where(t.c[key] == value))).one()
    return {k: v.replace(tzinfo=dt.UTC) if isinstance(v, dt.datetime) and v.tzinfo is None
            else v for k, v in row._mapping.items()}


async def test_folding_the_stream_equals_the_case_licence_and_notification_rows(
        assessment: RunningService, fake_denials: FakeDenials) -> None:
    c = assessment.client
    for denial in ("den-a", "den-b"):
        fake_denials.denials.append({"id": denial, "state": "DE", "destination": "SA",
                                     "end_user": "Royal Saudi Land Forces"})
    fake_denials.refusal = (422, {"title": "Invalid request", "status": 422, "detail": "no"})
    big = application(goods=[{"description": "air defence system", "rating": "ML4",
                              "quantity": 1, "value_eur": "2500000.00",
                              "complete_system": True, "annex": None}])
    await submit(assessment, big)
    await screened(assessment, big["id"], "failed")
    fake_denials.refusal = None
    url = f"/v1/cases/{big['id']}"
    assert (await c.post(f"{url}/screening/retry", headers=MFA)).status_code == 202
    await screened(assessment, big["id"])
    for criterion, finding in ((2, "concern"), (7, "pass"), (2, "pass")):
        assert (await c.post(f"{url}/findings", headers=MFA, json={
            "criterion": criterion, "finding": finding})).status_code == 200
    assert (await c.post(f"{url}/dismissals", headers=MFA, json={
        "denial_id": "den-a", "reason": "another unit"})).status_code == 200
    await publish(assessment, dismissed_in_registry(
        "den-b", application_id=big["id"], application_ref=big["reference"]))
    await with_dismissals(assessment, big["id"], 2)
    r = await c.post(f"{url}/decision", headers=MFA, json={
        "outcome": "approve", "decided_at": "2024-06-03T10:00:00+00:00"})
    assert r.status_code == 200, r.text
    number = r.json()["licence_number"]
    for action in ("suspend", "reinstate", "revoke"):
        assert (await c.post(f"/v1/licences/{number}/{action}", headers=MFA,
                             json={"reason": action})).status_code == 200
    assert (await c.post(f"/v1/parliament-notifications/{number}/sent", headers=MFA,
                         json={"sent_on": "2024-06-10"})).status_code == 200

    state, version = await folded(assessment, big["id"])
    assert state.licence.status == "revoked" and len(state.case.dismissals) == 2
    assert await stored(assessment, "cases", "id", big["id"]) == case_row(state.case, version)
    assert await stored(assessment, "licences", "licence_number", number) == \
        licence_row(state.licence)
    assert state.licence.notification is not None
    assert await stored(assessment, "parliament_notifications", "id", number) == \
        notification_row(big["id"], state.licence.notification)


async def test_folding_the_stream_equals_the_row_of_a_withdrawn_case(
        assessment: RunningService) -> None:
    app = application()
    await submit(assessment, app)
    await screened(assessment, app["id"])
    await publish(assessment, upstream("intake", "ApplicationWithdrawn", app["id"],
                                       {"application_id": app["id"], "reason": "cancelled"}))

    async def withdrawn() -> bool:
        r = await assessment.client.get(f"/v1/cases/{app['id']}", headers=MFA)
        return bool(r.json()["status"] == "withdrawn")

    await eventually(withdrawn)
    state, version = await folded(assessment, app["id"])
    assert state.case.status == "withdrawn" and state.licence.issued is None
    assert await stored(assessment, "cases", "id", app["id"]) == case_row(state.case, version)


async def test_folding_a_requirement_and_an_investigation_equals_their_rows(
        assessment: RunningService) -> None:
    c = assessment.client
    r = await c.post("/v1/catch-all-requirements", headers=MFA, json={
        "regime": "dual_use", "exporter": {"name": "Acme", "eori": "NL9"},
        "goods_description": "cameras", "destination": "IR", "ground": "wmd",
        "imposed_on": "2024-04-02"})
    requirement_id = r.json()["id"]
    await c.post(f"/v1/catch-all-requirements/{requirement_id}/lift", headers=MFA,
                 json={"lifted_on": "2024-05-01", "reason": "no longer of concern"})
    r = await c.post("/v1/investigations", headers=MFA, json={
        "subject_kind": "shipment", "subject_id": "s-1", "reason": "refused shipment",
        "referred_on": "2024-07-02"})
    referral_id = r.json()["id"]
    await c.post(f"/v1/investigations/{referral_id}/outcome", headers=MFA,
                 json={"outcome": "fine", "concluded_on": "2024-08-01"})
    store = assessment.runtime.store
    async with assessment.runtime.sessions() as session:
        requirement = await load(session, store, REQUIREMENT, requirement_id)
        referral = await load(session, store, INVESTIGATION, referral_id)
    assert requirement.state.lifted is not None and referral.state.status == "closed"
    assert await stored(assessment, "catch_all_requirements", "id", requirement_id) == \
        requirement_row(requirement.state)
    assert await stored(assessment, "investigations", "id", referral_id) == \
        investigation_row(referral.state)
