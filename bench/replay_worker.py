"""One replay measurement in a process of its own (so its peak memory is its own).

`python -m bench.replay_worker MODE NATS_URL DATA_DIR EXPECT SECONDS` prints one JSON line:
  raw      read every event with a nats-py ordered consumer and do nothing (the limit)
  rebuild  reporting's own projection rebuild (services.reporting.handlers.rebuild.Rebuilder);
           `events` is the log it rebuilt from, `events_read` the events of the types that set a
           fact, the only ones it fetches
  peer     the same projections written one event at a time, one transaction per event with its
           tracking (inbox) row, as event-sourcing process applications do; time-boxed
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import nats
from nats.js import api as js_api

from bench.common import vm_hwm_mb
from bench.logstore import STREAM


async def raw(url: str, expect: int) -> dict[str, Any]:
    """Ordered push consumer over the whole stream; the callback only counts."""
    nc = await nats.connect(url, pending_size=256 * 1024 * 1024)
    js = nc.jetstream(timeout=30)
    done = asyncio.get_running_loop().create_future()
    count = 0

    async def cb(_msg: Any) -> None:
        nonlocal count
        count += 1
        if count == expect and not done.done():
            done.set_result(None)

    started = time.monotonic()
    sub = await js.subscribe("lic.>", stream=STREAM, cb=cb, ordered_consumer=True,
                             pending_msgs_limit=2_000_000, pending_bytes_limit=2 * 1024**3)
    await asyncio.wait_for(done, timeout=600)
    seconds = time.monotonic() - started
    await sub.unsubscribe()
    await nc.close()
    return {"events": count, "seconds": seconds}


async def _idle_durable(url: str) -> None:
    # The service's live consumer starts at the end of the log, so that only the measured work
    # reads it.
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=30)
    try:
        await js.consumer_info(STREAM, "reporting")
    except nats.js.errors.NotFoundError:
        await js.add_consumer(STREAM, js_api.ConsumerConfig(
            durable_name="reporting", ack_policy=js_api.AckPolicy.EXPLICIT,
            deliver_policy=js_api.DeliverPolicy.NEW, filter_subjects=["lic.>"]))
    await nc.close()


async def rebuild(url: str, data_dir: Path, expect: int) -> dict[str, Any]:
    """Reporting's rebuild, in-process with the service's lifespan."""
    from tests.harness import run_service

    await _idle_durable(url)
    async with run_service("reporting", data_dir=data_dir, nats_url=url) as svc:
        projections = svc.app.state.rebuilder
        await svc.runtime.bus.wait_connected(timeout=10)
        started = time.monotonic()
        if not projections.start_rebuild():
            raise RuntimeError("a rebuild was already running")
        await projections.wait()
        seconds = time.monotonic() - started
        progress = projections.progress
        if progress.error:
            raise RuntimeError(progress.error)
        emit({"events": progress.last.get("events"), "facts": progress.last.get("facts"),
              "events_read": progress.last.get("events_read"), "seconds": seconds})
        return {}


async def peer(url: str, data_dir: Path, expect: int, budget: float) -> dict[str, Any]:
    """One event, one transaction: parse, tracking row, read-modify-write of the projection."""
    from sqlalchemy import insert

    from services.reporting.handlers.projection import apply_events
    from shared.clock import utcnow
    from shared.envelope import Envelope
    from tests.harness import run_service

    await _idle_durable(url)
    async with run_service("reporting", data_dir=data_dir, nats_url=url) as svc:
        runtime = svc.runtime
        inbox = runtime.metadata.tables["inbox"]
        nc = await nats.connect(url)
        js = nc.jetstream(timeout=30)
        sub = await js.pull_subscribe("lic.>", stream=STREAM, config=js_api.ConsumerConfig(
            deliver_policy=js_api.DeliverPolicy.ALL, ack_policy=js_api.AckPolicy.NONE,
            inactive_threshold=30.0, mem_storage=True))
        count = 0
        started = time.monotonic()
        while count < expect and time.monotonic() - started < budget:
            for msg in await sub.fetch(100, timeout=5.0):
                env = Envelope.parse(msg.data)
                async with runtime.sessions() as session, session.begin():
                    await session.execute(insert(inbox).values(
                        consumer="peer", event_id=env.event_id, processed_at=utcnow()))
                    await apply_events(session, [env])
                count += 1
        seconds = time.monotonic() - started
        emit({"events": count, "seconds": seconds, "time_boxed": count < expect})
        return {}


def main(argv: list[str]) -> int:
    """Run one mode and print its result as JSON."""
    mode, url, data_dir, expect, budget = argv[0], argv[1], Path(argv[2]), int(argv[3]), \
        float(argv[4])
    data_dir.mkdir(parents=True, exist_ok=True)
    if mode == "raw":
        result = asyncio.run(raw(url, expect))
    elif mode == "rebuild":
        result = asyncio.run(rebuild(url, data_dir, expect))
    elif mode == "peer":
        result = asyncio.run(peer(url, data_dir, expect, budget))
    else:
        raise SystemExit(f"unknown mode {mode}")
    emit(result)
    return 0


def emit(result: dict[str, Any]) -> None:
    """Print the result and leave at once: the measurement is taken, and the worker's own
    teardown (closing the service and its connections) is no part of it."""
    result["rate"] = result["events"] / result["seconds"] if result["seconds"] else None
    result["hwm_mb"] = vm_hwm_mb(os.getpid())
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
