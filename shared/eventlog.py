"""Reading the JetStream event log back: one stream's events, or everything from a point."""

from __future__ import annotations

from collections.abc import AsyncIterator

from nats.js import JetStreamContext
from nats.js import api as js_api

from shared.envelope import Envelope, stream_filter


async def read_subject(js: JetStreamContext, stream: str, subject: str, *,
                       batch: int = 1000) -> AsyncIterator[tuple[int, Envelope]]:
    """Every stored message on `subject` (wildcards allowed), oldest first, as (seq, envelope)."""
    sub = await js.pull_subscribe(
        subject, stream=stream,
        config=js_api.ConsumerConfig(
            deliver_policy=js_api.DeliverPolicy.ALL, ack_policy=js_api.AckPolicy.NONE,
            inactive_threshold=30.0, mem_storage=True,
        ),
    )
    try:
        info = await sub.consumer_info()
        remaining = int(info.num_pending or 0)
        while remaining > 0:
            msgs = await sub.fetch(min(batch, remaining), timeout=5.0)
            for msg in msgs:
                remaining -= 1
                seq = msg.metadata.sequence.stream if msg.metadata else 0
                yield seq, Envelope.parse(msg.data)
    finally:
        await sub.unsubscribe()


async def read_stream(js: JetStreamContext, stream: str, stream_id: str) -> list[Envelope]:
    """One licence's whole life: every service's events on that stream id, in log order."""
    return [env async for _seq, env in read_subject(js, stream, stream_filter(stream_id))]
