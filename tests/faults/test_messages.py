"""Messages that should not be there: the same events published again under new message ids and
out of order across streams, and poison (not JSON, an unknown type, an unknown version, a
payload its contract cannot read) on the live path and in a rebuild of the report."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from tests.faults.faults import (
    APPLICATIONS,
    RATE,
    check,
    figures,
    log_messages,
    publish_raw,
    rewritten,
)
from tests.support.load import Load
from tests.support.reconcile import reconcile, settle
from tests.support.system import System, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

REPUBLISHED_APPLICATIONS = 30
# Which services' consumers read a producer's subjects (services/*/consumers.py).
READERS = {"intake": ("assessment", "denials", "reporting"),
           "assessment": ("intake", "denials", "reporting"),
           "denials": ("assessment", "reporting")}


async def test_events_published_again_under_new_ids_and_out_of_order_double_nothing(
        system: System) -> None:
    load = Load(system, count=APPLICATIONS, rate=RATE)
    running = asyncio.create_task(load.run())
    await load.wait_accepted(APPLICATIONS // 2)
    # Half-way through the load: the whole lives of some applications so far, again, newest
    # first (decisions before the submissions they answer, across the producers' streams).
    chosen = set(list(load.accepted)[:REPUBLISHED_APPLICATIONS])
    again = [(subject, body) for _seq, subject, body in await log_messages(system)
             if subject.split(".")[2] in chosen][::-1]
    await publish_raw(system, again)
    result = await running
    drained = await settle(system)
    # And once more after the load, all of them, in reverse.
    tail = [(s, b) for _seq, s, b in await log_messages(system)
            if s.split(".")[2] in chosen][::-1]
    started = time.monotonic()
    await publish_raw(system, tail)
    drained_again = await settle(system)
    rec = await reconcile(system, result)
    print(figures(f"{len(again) + len(tail)} events published again under new message ids, "
                  "newest first", rec, result, drained_after_the_load=drained,
                  drained_after_the_second_copies=drained_again,
                  second_copies_handled_in=time.monotonic() - started))
    check(rec, result)
    # Every copy is in the log; each shows once in the lifecycle (reconcile checks that).
    assert rec.stream_messages >= len(again) + len(tail)


async def test_poison_on_the_live_path_and_in_a_rebuild_is_dead_lettered_and_skipped(
        system: System) -> None:
    load = Load(system, count=APPLICATIONS, rate=RATE)
    running = asyncio.create_task(load.run())
    await load.wait_accepted(APPLICATIONS // 3)
    stored = await log_messages(system)
    submitted = next(b for _q, s, b in stored if s.endswith(".ApplicationSubmitted"))
    opened = next(b for _q, s, b in stored if s.endswith(".CaseOpened"))
    ids = list(load.accepted)[:4]
    # Copies of stored events spoilt (as a faulty restore would): each keeps its event id, so
    # `licensing verify` finds the true event first in the log and the chains intact.
    poison: list[tuple[str, str, bytes]] = [
        ("intake", f"lic.intake.{ids[0]}.ApplicationSubmitted", b"{this is not JSON"),
        ("intake", _subject(submitted),
         rewritten(submitted, payload={"unusable": True}, **_id(submitted))),
        ("assessment", _subject(opened).rsplit(".", 1)[0] + ".CaseExploded",
         rewritten(opened, type="CaseExploded", **_id(opened))),
        ("assessment", _subject(opened), rewritten(opened, version=99, **_id(opened))),
    ]
    sequences = await publish_raw(system, [(subject, body) for _p, subject, body in poison])
    expected: dict[str, int] = {}
    for producer, _s, _b in poison:
        for reader in READERS[producer]:
            expected[reader] = expected.get(reader, 0) + 1
    result = await running
    drained = await settle(system)
    rec = await reconcile(system, result, dead_letters=expected)

    async with system.client("reporting", "reporter", "admin", timeout=60.0) as reporting:
        year = result.applications[0].body["received_at"][:4]
        live = (await reporting.get(f"/v1/reports/annual/{year}")).json()
        view = (await reporting.get(f"/v1/streams/{ids[0]}")).json()
        before = (await reporting.get("/v1/projections/status")).json()
        started = time.monotonic()
        r = await reporting.post("/v1/projections/rebuild")
        assert r.status_code == 202, r.text

        async def rebuilt() -> dict[str, Any] | None:
            status = (await reporting.get("/v1/projections/status")).json()
            done = status["status"] == "idle" and status["generation"] == before["generation"] + 1
            return status if done else None

        status = await wait_for(rebuilt, timeout=120, what="the rebuild to finish")
        took = time.monotonic() - started
        after = (await reporting.get(f"/v1/reports/annual/{year}")).json()
    print(figures(f"{len(poison)} poison messages on the live path and in a rebuild", rec,
                  result, drained_after_the_load=drained, rebuild=took)
          + f"\n   rebuild skipped {status['skipped']} at {status['skipped_sequences']} "
          f"(poison at {sequences})")
    check(rec, result)
    # The rebuild reads the subjects of the types the report folds: the unknown type's subject
    # is not among them (never read, so not skipped); every other poison is skipped and named.
    read = [seq for seq, (_p, subject, _b) in zip(sequences, poison, strict=True)
            if not subject.endswith(".CaseExploded")]
    assert status["error"] is None
    assert status["skipped_sequences"] == read
    assert status["last_rebuild"]["skipped_sequences"] == read
    assert _without_stand(after) == _without_stand(live)
    # Its lifecycle names the message that is not JSON (and any other poison on its stream).
    unreadable = {u["sequence"]: u["reason"] for u in view["unreadable"]}
    assert sequences[0] in unreadable and set(unreadable) <= set(sequences), unreadable
    assert "not an event envelope" in unreadable[sequences[0]]


def _id(body: bytes) -> dict[str, str]:
    return {"event_id": str(json.loads(body)["event_id"])}


def _subject(body: bytes) -> str:
    env = json.loads(body)
    return f"lic.{env['source']}.{env['stream_id']}.{env['type']}"


def _without_stand(report: dict[str, Any]) -> str:
    """The report less when it was drawn (a rebuild draws it again)."""
    return json.dumps({k: v for k, v in report.items()
                       if k not in ("generated_at", "as_of", "rebuilt_at")}, sort_keys=True)
