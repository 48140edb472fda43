"""After a whole life of a denial and of a consultation, folding the stream gives the read
models exactly: the rows are written from the events, never beside them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import func, select

from services.denials.db import (
    consultations,
    denial_keys,
    denial_names,
    denials,
    dismissals,
    notifications,
    registry,
)
from services.denials.domain.denial import Denial, changes_registry
from services.denials.handlers.consultations import CONSULTATIONS
from services.denials.handlers.db import (
    consultation_document,
    denial_columns,
    index_rows,
    notification_document,
    prepared_aliases,
    prepared_names,
    rating_families,
)
from services.denials.handlers.registry import denial_aggregate
from shared.aggregate import load
from shared.clock import today
from shared.contracts import REGISTRY
from shared.contracts.denials import GrantNotified
from shared.envelope import Envelope
from tests.denials.conftest import denial_body, publish, upstream
from tests.denials.test_dismissals_from_assessment import ASSESSOR
from tests.denials.test_nl_denials import application, decided
from tests.harness import RunningService, auth, eventually

DE = auth("partner", state="DE")
NL = auth("assessor")


async def assert_denial_folds_to_its_rows(svc: RunningService, denial_id: str) -> Denial:
    """The denial folded from its stream equals its row, its index entries and its rulings."""
    runtime = svc.runtime
    async with runtime.sessions() as session:
        loaded = await load(session, runtime.store, denial_aggregate(svc.app.state.policy),
                            denial_id)
        row = (await session.execute(select(denials).where(denials.c.id == denial_id))).one()
        keys = {tuple(r) for r in (await session.execute(
            select(denial_keys.c.rating_key, denial_keys.c.destination)
            .where(denial_keys.c.denial_id == denial_id))).all()}
        filed = {tuple(r) for r in (await session.execute(
            select(denial_names).where(denial_names.c.denial_id == denial_id))).all()}
        ruled = set((await session.execute(select(dismissals.c.application_ref)
                                           .where(dismissals.c.denial_id == denial_id))).scalars())
    denial = loaded.state
    assert denial is not None
    stored = row._asdict()
    expected = denial_columns(denial)
    assert {k: stored[k] for k in expected if k != "document"} == {
        k: v for k, v in expected.items() if k != "document"}
    assert json.loads(stored["document"]) == json.loads(expected["document"])
    assert stored["version"] == loaded.version
    destination = denial.notification.destination
    assert keys == {(k, destination) for k in rating_families(denial)}
    end_user, consignee = prepared_names(denial)
    end_user_aliases, consignee_aliases = prepared_aliases(denial)
    assert filed == {(r["destination"], r["rating_key"], r["name_key"], r["denial_id"])
                     for r in index_rows(denial_id=denial_id, destination=destination,
                                         families=rating_families(denial), end_user=end_user,
                                         consignee=consignee,
                                         aliases=[*end_user_aliases, *consignee_aliases])}
    assert ruled == denial.dismissed
    return denial


async def registry_events(svc: RunningService) -> tuple[int, int]:
    """The registry version, and how many registry events every denial stream holds."""
    events = svc.runtime.metadata.tables["events"]
    async with svc.runtime.sessions() as session:
        version = (await session.execute(select(registry.c.version))).scalar_one()
        bodies = (await session.execute(select(events.c.body))).scalars().all()
    payloads = [REGISTRY.parse(Envelope.parse(b)).payload for b in bodies]
    return int(version), changes_registry(payloads)


async def test_a_denial_s_stream_folds_to_its_read_models_through_its_life(
        denials: RunningService) -> None:
    c = denials.client
    old = (today() - dt.timedelta(days=3 * 366)).isoformat()
    d = (await c.post("/v1/denials", headers=DE, json=denial_body(
        denied_on=old, regime="dual_use", rating="6A003", criteria=[], grounds=["art4-wmd"],
        end_user={"name": "Troya Tech Defence", "country": "IL", "aliases": ["טרויה טק"]},
        consignee={"name": "Levant Logistics", "country": "CY", "aliases": ["LL Cyprus"]}))
         ).json()
    registered = await assert_denial_folds_to_its_rows(denials, d["id"])
    assert registered.notification.end_user_aliases == ["טרויה טק"]

    async def expired() -> bool:
        denial = await assert_denial_folds_to_its_rows(denials, d["id"])
        return denial.expiry_recorded

    await eventually(expired)
    r = await c.post(f"/v1/denials/{d['id']}/renew", json={"denied_on": today().isoformat()},
                     headers=DE)
    assert r.status_code == 200, r.text
    for ref in ("NL-1", "NL-2", "NL-1"):
        await c.post("/v1/denials/matches/dismissals", headers=NL, json={
            "application_ref": ref, "denial_id": d["id"], "reason": "another end user"})
    mirrored = upstream("assessment", "MatchDismissed", str(uuid.uuid4()), {
        "denial_id": d["id"], "reason": "a civilian lab", "application_ref": "NL-3"},
        actor=ASSESSOR)
    await publish(denials, mirrored)

    async def ruled_three() -> bool:
        denial = await assert_denial_folds_to_its_rows(denials, d["id"])
        return len(denial.dismissed) == 3

    await eventually(ruled_three)
    assert (await c.post(f"/v1/denials/{d['id']}/revoke", json={"reason": "appeal"},
                         headers=DE)).status_code == 200
    denial = await assert_denial_folds_to_its_rows(denials, d["id"])
    assert denial.revoked_on == today() and denial.renewed_on == today()
    version, counted = await registry_events(denials)
    assert version == counted == 4  # registered, expired, renewed, revoked


async def test_a_dutch_denial_s_stream_folds_to_its_read_models(denials: RunningService) -> None:
    app_id = str(uuid.uuid4())
    await publish(denials, upstream("intake", "ApplicationSubmitted", app_id,
                                    application(app_id)))
    await publish(denials, upstream("assessment", "CaseDecided", app_id,
                                    decided(app_id, "denied")))

    async def registered() -> list[Any]:
        items = (await denials.client.get("/v1/denials?state=NL", headers=NL)).json()["items"]
        return items if len(items) == 2 else []

    for item in await eventually(registered):
        denial = await assert_denial_folds_to_its_rows(denials, item["id"])
        assert denial.notification.application_id == app_id
        assert rating_families(denial) == {"ML15"}


async def test_a_consultation_s_stream_folds_to_its_read_models_through_its_life(
        denials: RunningService) -> None:
    c = denials.client
    d = (await c.post("/v1/denials", json=denial_body(), headers=DE)).json()
    opened = (await c.post("/v1/consultations", headers=NL, json={
        "denial_id": d["id"], "application_ref": "NL-7", "question": "Still relevant?"})).json()
    cid = opened["id"]

    async def folds() -> GrantNotified | None:
        runtime = denials.runtime
        async with runtime.sessions() as session:
            loaded = await load(session, runtime.store, CONSULTATIONS, cid)
            row = (await session.execute(select(consultations)
                                         .where(consultations.c.id == cid))).one()
            notes = (await session.execute(select(notifications).where(
                notifications.c.consultation_id == cid))).all()
            stream = await runtime.store.read(session, cid)
        state = loaded.state
        assert state is not None
        assert (row.status, row.version) == (state.status, loaded.version)
        assert (row.denial_id, row.consulting_state, row.denying_state, row.application_ref,
                row.due_by) == (state.opened.denial_id, state.opened.consulting_state,
                                state.opened.denying_state, state.opened.application_ref,
                                state.opened.due_by)
        assert json.loads(row.document) == consultation_document(state)
        grant_ids = [e.event_id for e in stream if e.type == GrantNotified.event_type]
        assert [json.loads(n.document) for n in notes] == (
            [notification_document(state.grant, grant_ids[0])] if state.grant else [])
        assert all(n.state == state.opened.denying_state for n in notes)
        return state.grant

    assert await folds() is None
    await c.post(f"/v1/consultations/{cid}/reply", headers=DE,
                 json={"answer": "it stands", "note": "criterion 7"})
    assert await folds() is None
    await c.post(f"/v1/consultations/{cid}/outcome", headers=NL,
                 json={"decision": "granted", "reasons": "end-use guarantees"})
    grant = await folds()
    assert grant is not None and grant.reasons == "end-use guarantees"
    async with denials.runtime.sessions() as session:
        total = (await session.execute(select(func.count()).select_from(notifications))).scalar()
    assert total == 1
