"""Reading the JetStream event log back: one stream's messages, or a whole log in batches.

What is read is what the log holds, byte for byte: a message whose body is not an envelope, or
the same event published twice under different message ids, comes back as it was stored, and
the caller decides what it can read (see `shared.contracts.REGISTRY`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js import api as js_api

from shared.envelope import Envelope, stream_filter

READ_BATCH = 2000  # messages per pull request of a LogReader
REQUEST_EXPIRES = 30.0  # seconds a LogReader's pull request waits on the server


@dataclass(frozen=True)
class StoredMessage:
    """One message of the log as stored: its stream sequence, subject and body."""

    sequence: int
    subject: str
    data: bytes


async def read_messages(js: JetStreamContext, stream: str, subject: str, *,
                        batch: int = 1000) -> AsyncIterator[StoredMessage]:
    """Every stored message on `subject` (wildcards allowed), oldest first, as stored."""
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
                yield StoredMessage(seq, msg.subject, msg.data)
    finally:
        await sub.unsubscribe()


async def read_subject(js: JetStreamContext, stream: str, subject: str, *,
                       batch: int = 1000) -> AsyncIterator[tuple[int, Envelope]]:
    """Every stored message on `subject`, oldest first, as (seq, envelope); a body that is not
    an envelope raises (for logs only this code wrote, as in tests)."""
    async for message in read_messages(js, stream, subject, batch=batch):
        yield message.sequence, Envelope.parse(message.data)


async def read_stream(js: JetStreamContext, stream: str, stream_id: str) -> list[StoredMessage]:
    """One licence's whole life as stored: every service's messages on that stream id, in log
    order."""
    return [message async for message in read_messages(js, stream, stream_filter(stream_id))]


class LogReader:
    """Reads what a stream holds now on some subjects, oldest first, in batches of messages.

    A pull consumer is asked for `batch` messages at a time with two requests outstanding, and
    the messages arrive on a plain subscription whose callback only keeps them. nats-py's
    `fetch` waits for each message with a timeout of its own (a task per message), and an
    ordered push consumer delivers as fast as the server sends, whatever the reader keeps up
    with; here the next request goes out only when the reader takes a batch, so at most a few
    batches are ever held in memory, however long the log.
    """

    def __init__(self, nc: NATS, js: JetStreamContext, stream: str, subjects: list[str], *,
                 batch: int = READ_BATCH) -> None:
        self.nc, self.js, self.stream, self.subjects, self.batch = nc, js, stream, subjects, batch
        self.target = 0  # messages on the subjects when reading began
        self.position = 0  # stream sequence of the last message of the last batch taken
        self._asked = 0
        self._open: deque[int] = deque()  # messages still due on each outstanding request
        self._msgs: list[Msg] = []
        self._ready: asyncio.Queue[list[Msg] | BaseException] = asyncio.Queue()

    async def batches(self) -> AsyncIterator[list[Msg]]:
        """Every message, in batches, oldest first (`msg.metadata` has its stream sequence)."""
        info = await self.js.add_consumer(self.stream, js_api.ConsumerConfig(
            deliver_policy=js_api.DeliverPolicy.ALL, ack_policy=js_api.AckPolicy.NONE,
            filter_subjects=self.subjects, inactive_threshold=30.0, mem_storage=True))
        consumer = str(info.name)
        self.target = int(info.num_pending or 0)
        inbox = self.nc.new_inbox()
        sub = await self.nc.subscribe(inbox, cb=self._on_message)
        # The server's own prefix for API subjects ($JS.API unless a domain is set).
        pull = f"{self.js._prefix}.CONSUMER.MSG.NEXT.{self.stream}.{consumer}"
        try:
            taken = 0
            await self._ask(pull, inbox)
            while taken < self.target:
                item = await self._ready.get()
                if isinstance(item, BaseException):
                    raise item
                taken += len(item)
                if item and item[-1].metadata is not None:
                    self.position = item[-1].metadata.sequence.stream
                await self._ask(pull, inbox)
                yield item
        finally:
            await sub.unsubscribe()
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                await self.js.delete_consumer(self.stream, consumer)

    async def _ask(self, pull: str, inbox: str) -> None:
        # Keep two requests outstanding (the server fills the second while the first is folded),
        # never asking past what the stream held when reading began.
        while len(self._open) < 2 and self._asked < self.target:
            size = min(self.batch, self.target - self._asked)
            self._open.append(size)
            self._asked += size
            request = {"batch": size, "expires": int(REQUEST_EXPIRES * 1e9)}
            await self.nc.publish(pull, json.dumps(request).encode(), reply=inbox)

    async def _on_message(self, msg: Msg) -> None:
        if not msg.data and msg.headers and js_api.Header.STATUS in msg.headers:
            self._on_status(msg.headers)
            return
        self._msgs.append(msg)
        self._open[0] -= 1
        if self._open[0] == 0:
            self._open.popleft()
            self._hand_over()

    def _on_status(self, headers: dict[str, str]) -> None:
        status = headers.get(js_api.Header.STATUS, "")
        if status in ("404", "408") and self._open:
            # A request ended short (expired): what it still owed is asked again.
            self._asked -= self._open.popleft()
            self._hand_over()
        elif status not in ("100", "404", "408"):
            self._ready.put_nowait(nats.js.errors.APIError(
                code=int(status) if status.isdigit() else None,
                description=headers.get(js_api.Header.DESCRIPTION)))

    def _hand_over(self) -> None:
        self._ready.put_nowait(self._msgs)
        self._msgs = []
