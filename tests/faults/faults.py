"""What the fault tests share: the load's size, the figures each prints, raw access to the log.

Every test runs a steady load (tests.support.load) through the four services, breaks something
in the middle of it, and ends with a full reconciliation (tests.support.reconcile): every
accepted application exactly once in every service and in the report, `licensing verify`
intact, and the dead letters exactly those the test put there.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import nats

from shared.envelope import SUBJECT_PREFIX
from tests.support.load import LoadResult
from tests.support.reconcile import Reconciliation
from tests.support.system import STREAM, System

APPLICATIONS = 150
RATE = 25.0  # applications per second
# Seconds a service's SQLite write waits for a lock (LICENSING_<SVC>_DB_BUSY_TIMEOUT).
BUSY_TIMEOUT = 2.0


def server_errors(result: LoadResult) -> int:
    """The 5xx answers the load met (each retried until it was answered otherwise)."""
    return sum(n for cause, n in result.retries.items() if "HTTP 5" in cause)


def figures(fault: str, rec: Reconciliation, result: LoadResult, **seconds: float) -> str:
    """What a fault test measured, in a few lines (run with `-s` to see them)."""
    timings = ", ".join(f"{name.replace('_', ' ')} {value:.1f}s"
                        for name, value in seconds.items())
    lost = sum(len(v) for v in rec.lost.values())
    doubled = sum(len(v) for v in rec.doubled.values())
    requests = sum(a.attempts for a in result.applications)
    return (f"\n== {fault}: accepted {len(result.accepted)} of {len(result.applications)}, "
            f"lost {lost}, doubled {doubled}, dead letters {rec.dead_letters}, "
            f"5xx {server_errors(result)}, application requests {requests}, events in the log "
            f"{rec.stream_messages}\n   {timings}\n   retries {dict(result.retries)}\n"
            f"{rec.summary()}")


def check(rec: Reconciliation, result: LoadResult) -> None:
    """What every fault test asserts at the end."""
    assert not result.rejected, result.rejected
    assert len(result.accepted) == len(result.applications), "not every application accepted"
    assert rec.ok, rec.summary()


async def log_messages(system: System) -> list[tuple[int, str, bytes]]:
    """Every message of the log as stored: (sequence, subject, body)."""
    out: list[tuple[int, str, bytes]] = []
    async with system.nats.connect() as nc:
        js = nc.jetstream(timeout=10)
        info = await js.stream_info(STREAM)
        last = int(info.state.last_seq)
        sub = await js.subscribe(f"{SUBJECT_PREFIX}.>", stream=STREAM, ordered_consumer=True)
        try:
            while True:
                try:
                    msg = await sub.next_msg(timeout=10)
                except nats.errors.TimeoutError:
                    break
                seq = msg.metadata.sequence.stream
                out.append((seq, msg.subject, msg.data))
                if seq >= last:
                    break
        finally:
            await sub.unsubscribe()
    return out


async def publish_raw(system: System, messages: list[tuple[str, bytes]]) -> list[int]:
    """Put messages on the log as they are, with no message id (JetStream keeps every copy, as
    after a relay retry past the de-duplication window or a restored backup); their sequences."""
    async with system.nats.connect() as nc:
        js = nc.jetstream(timeout=10)
        return [int((await js.publish(subject, body)).seq) for subject, body in messages]


def rewritten(body: bytes, **changes: Any) -> bytes:
    """A stored envelope with fields changed, under a new event id."""
    return json.dumps({**json.loads(body), "event_id": str(uuid.uuid4()), **changes}).encode()


