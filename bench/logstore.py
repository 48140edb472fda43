"""A JetStream store holding a synthetic event log, written once and reused between runs."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import nats

from bench.common import log
from bench.events import generate, self_check
from shared.bus import ensure_stream

STREAM = "LICENSING"
GENERATOR_VERSION = 1


async def fill(url: str, count: int) -> float:
    """Publish `count` events into the stream; returns events/s of the fill."""
    nc = await nats.connect(url, pending_size=64 * 1024 * 1024)
    try:
        js = nc.jetstream(timeout=30)
        await ensure_stream(js, STREAM)
        started = time.monotonic()
        # Plain publishes pipelined on one connection (the stream stores them) with a flush every
        # chunk so the server keeps up; the count is checked against the stream afterwards.
        for n, (subject, body) in enumerate(generate(count), start=1):
            await nc.publish(subject, body)
            if n % 5000 == 0:
                await nc.flush(timeout=30)
                await _wait_stored(js, n, timeout=60)
        await nc.flush(timeout=30)
        await _wait_stored(js, count, timeout=120)
        return count / (time.monotonic() - started)
    finally:
        await nc.close()


async def _wait_stored(js: nats.js.JetStreamContext, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        stored = (await js.stream_info(STREAM)).state.messages
        if stored >= count:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"stream holds {stored} of {count} events")
        await asyncio.sleep(0.02)


def ensure_store(directory: Path, url: str, count: int) -> str:
    """Fill the store under `directory` (served at `url`) unless a matching fill is there."""
    marker = directory / "bench-log.json"
    want = {"count": count, "generator": GENERATOR_VERSION}
    if marker.exists() and json.loads(marker.read_text()) == want:
        return "reused"
    self_check()
    log(f"writing {count:,} events into {directory}")
    rate = asyncio.run(fill(url, count))
    marker.write_text(json.dumps(want))
    log(f"wrote {count:,} events at {rate:,.0f}/s")
    return f"written at {rate:,.0f} events/s"
