"""Reconciliation across the four services after a load: what was lost, what was doubled.

    settled_in = await settle(system)                 # outboxes empty, every consumer caught up
    rec = await reconcile(system, result)             # result: a tests.support.load.LoadResult
    assert rec.ok, rec.summary()
    rec.lost, rec.doubled                             # {application id: [what is wrong]}

What is compared, black-box over HTTP (and the event log itself, read from JetStream):
- every accepted application has exactly one case in assessment, decided as the load decided;
- intake shows it approved with a licence number, or denied (its consumer of assessment ran);
- denials registered every denied one once, as a Dutch denial naming the application;
- its lifecycle in reporting (`GET /v1/streams/{id}`, read from the log) holds each of
  ApplicationSubmitted, CaseOpened, CaseDecided (and LicenceIssued when approved) exactly once,
  and no event id twice;
- the annual report's `military.summary` counts each application once (applications, approved,
  denied equal the load's);
- no event id twice in the whole JetStream stream;
- `licensing verify`: every hash chain intact in every service's database;
- dead letters: every service's `licensing_dead_letters` is reported (the tests expect none).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats

from shared.envelope import SUBJECT_PREFIX
from tests.support.load import LoadResult
from tests.support.system import STREAM, System, wait_for

ONCE = ("ApplicationSubmitted", "CaseOpened", "CaseDecided")


@dataclass
class Reconciliation:
    """The counts across the services, and each application found lost or doubled."""

    accepted: int = 0
    cases: int = 0
    decided: int = 0
    licences: int = 0
    denials_registered: int = 0
    report: dict[str, int] = field(default_factory=dict)
    expected_report: dict[str, int] = field(default_factory=dict)
    stream_messages: int = 0
    stream_bytes: int = 0
    duplicate_event_ids: int = 0
    lost: dict[str, list[str]] = field(default_factory=dict)
    doubled: dict[str, list[str]] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    # The dead letters a test put there on purpose (poison it published), by service.
    expected_dead_letters: dict[str, int] = field(default_factory=dict)
    verify_ok: bool = False
    verify_output: str = ""

    def lose(self, key: str, what: str) -> None:
        """Note something missing for an application (or `report`, `log`)."""
        self.lost.setdefault(key, []).append(what)

    def double(self, key: str, what: str) -> None:
        """Note something there twice."""
        self.doubled.setdefault(key, []).append(what)

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing doubled, chains intact, no dead letters but those expected."""
        return (not self.lost and not self.doubled and self.verify_ok
                and self.dead_letters_accounted_for)

    @property
    def dead_letters_accounted_for(self) -> bool:
        """Every service holds exactly the dead letters expected of it (none, unless said)."""
        return all(n == self.expected_dead_letters.get(name, 0)
                   for name, n in self.dead_letters.items())

    def summary(self) -> str:
        """A few lines for a test's failure message or a report."""
        lines = [
            f"accepted {self.accepted}, cases {self.cases}, decided {self.decided}, "
            f"licences {self.licences}, denials registered {self.denials_registered}",
            f"report {self.report} (expected {self.expected_report})",
            f"stream messages {self.stream_messages} ({self.stream_bytes} bytes), duplicate "
            f"event ids "
            f"{self.duplicate_event_ids}",
            f"lost {len(self.lost)}, doubled {len(self.doubled)}, dead letters "
            f"{self.dead_letters} (expected {self.expected_dead_letters or 'none'}), "
            f"verify {'ok' if self.verify_ok else 'FAILED'}",
        ]
        for label, problems in (("lost", self.lost), ("doubled", self.doubled)):
            for key, what in list(problems.items())[:10]:
                lines.append(f"  {label} {key}: {'; '.join(what)}")
        if not self.verify_ok:
            lines.append(self.verify_output[-1500:])
        return "\n".join(lines)


async def settle(system: System, timeout: float = 120.0, *, quiet_polls: int = 2) -> float:
    """Until every service's outbox is empty and every durable consumer of the stream has
    nothing pending or unacknowledged, seen `quiet_polls` times in a row; the seconds it took.
    On timeout the error says what was still waiting."""
    started = time.monotonic()
    calm = 0
    waiting: list[str] = []

    async def settled() -> bool:
        nonlocal calm, waiting
        try:
            waiting = await outboxes_waiting(system) + await consumers_waiting(system)
        except (httpx.HTTPError, nats.errors.Error, TimeoutError, OSError) as exc:
            waiting = [f"no answer ({type(exc).__name__}: {exc})"]
        calm = 0 if waiting else calm + 1
        return calm >= quiet_polls

    try:
        await wait_for(settled, timeout=timeout, what="every outbox and consumer to drain",
                       interval=0.5)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still waiting: {'; '.join(waiting)}") from None
    return time.monotonic() - started


async def outboxes_waiting(system: System) -> list[str]:
    """Each service not connected to NATS or with events left in its outbox (a service that
    records no events has no outbox, and no such metric)."""
    waiting = []
    for name, service in system.services.items():
        m = await service.metrics()
        pending = int(m.get("licensing_outbox_pending", 0))
        if pending or not m.get("licensing_nats_connected"):
            waiting.append(f"{name}: outbox {pending}, "
                           f"{'connected' if m.get('licensing_nats_connected') else 'offline'}")
    return waiting


async def consumers_waiting(system: System, stream: str = STREAM) -> list[str]:
    """Each durable consumer of the stream with messages not yet delivered or not yet
    acknowledged (one delivered but not acknowledged comes back after `ack_wait`)."""
    async with system.nats.connect() as nc:
        infos = await nc.jetstream(timeout=5).consumers_info(stream)
    durables = [i for i in infos if i.config.durable_name]
    if not durables:
        return ["no durable consumers yet"]
    return [f"consumer {i.name}: {i.num_pending} pending, {i.num_ack_pending} unacknowledged, "
            f"{i.num_redelivered} redelivered" for i in durables
            if i.num_pending or i.num_ack_pending]


async def reconcile(system: System, result: LoadResult, *,
                    dead_letters: dict[str, int] | None = None) -> Reconciliation:
    """Compare the four services and the event log with what the load had accepted;
    `dead_letters` are those a test expects (by service), none otherwise."""
    rec = Reconciliation(accepted=len(result.accepted),
                         expected_dead_letters=dict(dead_letters or {}))
    accepted = result.accepted
    async with system.client("assessment", "assessor", "mfa", timeout=30.0) as assessment:
        cases = await _all_pages(assessment, "/v1/cases", {})
    per_app = Counter(str(c["application_id"]) for c in cases)
    by_id = {str(c["id"]): c for c in cases}
    rec.cases = sum(per_app[a] for a in accepted)
    for app_id, app in accepted.items():
        if per_app[app_id] == 0:
            rec.lose(app_id, "no case in assessment")
            continue
        if per_app[app_id] > 1:
            rec.double(app_id, f"{per_app[app_id]} cases in assessment")
        case = by_id.get(app_id, {})
        want = "approved" if app.outcome == "approve" else "denied"
        if case.get("status") == "decided" and case.get("outcome") == want:
            rec.decided += 1
        else:
            rec.lose(app_id, f"case {case.get('status')}/{case.get('outcome')}, not {want}")

    async with system.client("intake", "customs", timeout=30.0) as intake:
        answers = await _get_each(intake, {i: f"/v1/applications/{i}" for i in accepted})
        for app_id, app in accepted.items():
            response = answers[app_id]
            doc = response.json() if response.status_code == 200 else {}
            want = "approved" if app.outcome == "approve" else "denied"
            if doc.get("status") != want:
                rec.lose(app_id, f"intake shows {doc.get('status')}, not {want}")
            elif want == "approved" and not doc.get("licence_number"):
                rec.lose(app_id, "intake shows no licence number")
            elif want == "approved":
                rec.licences += 1

    async with system.client("denials", "assessor", timeout=30.0) as denials:
        registered = await _all_pages(denials, "/v1/denials", {"state": "NL"})
    denied_for = Counter(str(d.get("application_id")) for d in registered)
    for app_id, app in accepted.items():
        if app.outcome != "deny":
            continue
        if denied_for[app_id] == 0:
            rec.lose(app_id, "no denial registered in denials")
        elif denied_for[app_id] > 1:
            rec.double(app_id, f"{denied_for[app_id]} denials registered")
        rec.denials_registered += min(denied_for[app_id], 1)

    async with system.client("reporting", "reporter", "admin", timeout=30.0) as reporting:
        answers = await _get_each(reporting, {i: f"/v1/streams/{i}" for i in accepted})
        for app_id, app in accepted.items():
            response = answers[app_id]
            if response.status_code != 200:
                rec.lose(app_id, f"its lifecycle answered {response.status_code} "
                         f"{response.text[:200]}")
                continue
            _check_lifecycle(rec, app_id, app.outcome, response.json()["events"])
        year = result.applications[0].body["received_at"][:4] if result.applications else "2024"
        report = (await reporting.get(f"/v1/reports/annual/{year}")).raise_for_status().json()
    summary = report["military"]["summary"][0]
    rec.report = {k: int(summary[k]) for k in ("applications", "approved", "denied")}
    rec.expected_report = {"applications": len(accepted), "approved": result.approved,
                           "denied": result.denied}
    for key, want in rec.expected_report.items():
        got = rec.report[key]
        if got < want:
            rec.lose("report", f"{key} {got}, expected {want}")
        elif got > want:
            rec.double("report", f"{key} {got}, expected {want}")

    rec.stream_messages, rec.stream_bytes, duplicates = await log_duplicates(system)
    rec.duplicate_event_ids = len(duplicates)
    for event_id in duplicates:
        rec.double("log", f"event {event_id} in the stream {duplicates[event_id]} times")

    for name, service in system.services.items():
        rec.dead_letters[name] = int((await service.metrics()).get("licensing_dead_letters", 0))
    verified = system.verify()
    rec.verify_ok = verified.returncode == 0
    rec.verify_output = verified.stdout + verified.stderr
    return rec


def _check_lifecycle(rec: Reconciliation, app_id: str, outcome: str,
                     events: list[dict[str, Any]]) -> None:
    types = Counter(str(e["type"]) for e in events)
    ids = Counter(str(e["event_id"]) for e in events)
    wanted = ONCE + (("LicenceIssued",) if outcome == "approve" else ())
    for kind in wanted:
        if types[kind] == 0:
            rec.lose(app_id, f"no {kind} in its lifecycle")
        elif types[kind] > 1:
            rec.double(app_id, f"{kind} {types[kind]} times in its lifecycle")
    twice = [i for i, n in ids.items() if n > 1]
    if twice:
        rec.double(app_id, f"event ids twice in its lifecycle: {twice[:3]}")


async def _get_retrying(client: httpx.AsyncClient, path: str, *, attempts: int = 10
                        ) -> httpx.Response:
    """GET, again after a 503 (the service said: not now) or a connection error."""
    for attempt in range(attempts):
        try:
            response = await client.get(path)
        except httpx.TransportError:
            if attempt == attempts - 1:
                raise
        else:
            if response.status_code != 503 or attempt == attempts - 1:
                return response
        await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def _get_each(client: httpx.AsyncClient, paths: dict[str, str], *,
                    concurrency: int = 8) -> dict[str, httpx.Response]:
    """GET each path (a few at a time, retrying 503s): the answers by key."""
    gate = asyncio.Semaphore(concurrency)

    async def one(path: str) -> httpx.Response:
        async with gate:
            return await _get_retrying(client, path)

    answers = await asyncio.gather(*(one(p) for p in paths.values()))
    return dict(zip(paths, answers, strict=True))


async def _all_pages(client: httpx.AsyncClient, path: str,
                     params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(path, params=query)).raise_for_status().json()
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def log_duplicates(system: System, stream: str = STREAM
                         ) -> tuple[int, int, dict[str, int]]:
    """The stream's messages and bytes, and every event id (`Nats-Msg-Id`) it holds more than
    once."""
    seen: Counter[str] = Counter()
    async with system.nats.connect() as nc:
        js = nc.jetstream(timeout=10)
        info = await js.stream_info(stream)
        last = int(info.state.last_seq)
        sub = await js.subscribe(f"{SUBJECT_PREFIX}.>", stream=stream, ordered_consumer=True)
        try:
            count = 0
            while count < info.state.messages:
                try:
                    msg = await sub.next_msg(timeout=10)
                except nats.errors.TimeoutError:
                    break
                count += 1
                seen[(msg.headers or {}).get("Nats-Msg-Id", f"seq-{count}")] += 1
                if msg.metadata.sequence.stream >= last:
                    break
        finally:
            await sub.unsubscribe()
    return (sum(seen.values()), int(info.state.bytes),
            {k: n for k, n in seen.items() if n > 1})

