"""Folding an aggregate's events equals its read model after a whole tour of its life, through
the real service (SQLite, and PostgreSQL when given)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.intake.domain import application, licences
from services.intake.handlers import db
from shared.clock import business_date
from shared.contracts import REGISTRY, Payload
from shared.contracts.assessment import LicenceIssued
from shared.envelope import Envelope
from tests.harness import RunningService, eventually
from tests.intake.conftest import CUSTOMS, Assessment, stream, submit


def _payloads(envelopes: list[Envelope]) -> list[Payload]:
    return [REGISTRY.parse(env).payload for env in envelopes]


async def _rows(intake: RunningService, app_id: str, *numbers: str) -> tuple[Any, list[Any]]:
    async with intake.runtime.sessions() as session:
        app = await db.load_application(session, app_id)
        found = [await db.load_licence(session, number) for number in numbers]
    assert app is not None and all(found)
    return app.state, [loaded.state for loaded in found if loaded is not None]


async def _licence_status(intake: RunningService, number: str, status: str) -> bool:
    response = await intake.client.get(f"/v1/licences/{number}", headers=CUSTOMS)
    return response.status_code == 200 and response.json()["status"] == status


async def _ship(intake: RunningService, number: str, ref: str, value: str, day: str) -> int:
    response = await intake.client.post(
        f"/v1/licences/{number}/shipments", headers=CUSTOMS,
        json={"declaration_ref": ref, "shipped_on": day, "country": "NO", "quantity": 1,
              "value_eur": value})
    return response.status_code


async def test_an_application_and_its_licences_fold_to_their_read_models(
    intake: RunningService, assessment: Assessment,
) -> None:
    app = await submit(intake)
    app_id = app["id"]
    published = [
        await assessment.publish(app_id, "CaseOpened", {
            "application_id": app_id, "reference": app["reference"], "regime": "military",
            "procedure": "licence"}),
        await assessment.publish(app_id, "CaseRouted", {
            "queue": "cdiu", "rule": "military.nato", "reference_version": "2024.1"}),
    ]
    number = await assessment.issue(app_id, destinations=["NO"], valid_from="2024-01-01")
    await eventually(lambda: _licence_status(intake, number, "active"))
    assert await _ship(intake, number, "F-1", "300.00", "2024-03-01") == 201
    assert await _ship(intake, number, "F-2", "900.00", "2024-03-02") == 409
    changes = [await assessment.publish(app_id, "LicenceSuspended", {
        "licence_number": number, "reason": "inquiry"},
        occurred_at=dt.datetime(2024, 4, 1, 10, tzinfo=dt.UTC))]
    await eventually(lambda: _licence_status(intake, number, "suspended"))
    changes.append(await assessment.publish(app_id, "LicenceReinstated", {
        "licence_number": number, "reason": "cleared"},
        occurred_at=dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)))
    await eventually(lambda: _licence_status(intake, number, "active"))
    assert await _ship(intake, number, "F-3", "100.00", "2024-05-02") == 201
    extension = await submit(intake, amends={"licence_number": number, "kind": "extension"})
    new = await assessment.issue(extension["id"], destinations=["NO"], valid_from="2024-07-01",
                                 amends={"licence_number": number, "kind": "extension",
                                         "known": True})
    await eventually(lambda: _licence_status(intake, number, "superseded"))

    # The application: intake's events on its stream and assessment's, as intake handled them.
    decided_issued = [e for e in assessment.published if e.stream_id == app_id
                      and e.type in ("CaseDecided", "LicenceIssued")]
    ours = await stream(intake, app_id)
    folded = application.fold(_payloads([ours[0], *published, *decided_issued, *ours[1:]]))
    state, (old, extended) = await _rows(intake, app_id, number, new)
    assert folded == state
    assert folded.status == "approved" and folded.licence_number == number

    # The licence: issued, its shipments, suspended and reinstated, superseded.
    issued = REGISTRY.parse(decided_issued[-1]).payload
    assert isinstance(issued, LicenceIssued)
    dated = [(REGISTRY.parse(env).payload, business_date(env.occurred_at))
             for env in sorted([*ours[1:], *changes], key=lambda env: env.occurred_at)]
    (extension_issued,) = [e for e in assessment.published if e.stream_id == extension["id"]
                           and e.type == "LicenceIssued"]
    amending = REGISTRY.parse(extension_issued).payload
    folded_old = licences.fold(licences.issue(issued), dated)
    assert folded_old.used_eur == 400
    folded_old = licences.evolve(folded_old, amending, on=business_date(extension_issued
                                                                        .occurred_at))
    assert folded_old == old
    assert isinstance(amending, LicenceIssued)
    assert licences.issue(amending, taken_over=folded_old) == extended


async def test_a_withdrawn_application_folds_to_its_read_model(
    intake: RunningService, assessment: Assessment,
) -> None:
    app = await submit(intake)
    response = await intake.client.post(f"/v1/applications/{app['id']}/withdraw",
                                        json={"reason": "cancelled"}, headers=CUSTOMS)
    assert response.status_code == 200
    late = await assessment.publish(app["id"], "CaseDecided", {
        "application_id": app["id"], "reference": app["reference"], "outcome": "denied",
        "criteria": [1], "note": None, "decided_at": "2024-05-01T10:00:00+00:00",
        "queue": "cdiu"})
    marker = await submit(intake)
    await assessment.publish(marker["id"], "CaseOpened", {
        "application_id": marker["id"], "reference": marker["reference"],
        "regime": "military", "procedure": "licence"})

    async def opened() -> bool:
        r = await intake.client.get(f"/v1/applications/{marker['id']}", headers=CUSTOMS)
        return bool(r.json()["status"] == "under_assessment")

    await eventually(opened)  # the late decision before it is handled too
    folded = application.fold(_payloads([*await stream(intake, app["id"]), late]))
    state, _ = await _rows(intake, app["id"])
    assert folded == state and state.status == "withdrawn"
