"""NATS JetStream: one connection per process that survives the server going away."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js import api as js_api
from nats.js.errors import NotFoundError

from shared.envelope import SUBJECT_PREFIX

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 600.0


def server_urls(url: str) -> list[str]:
    """The servers of a NATS URL that may name several, comma-separated (a cluster)."""
    return [u.strip() for u in url.split(",") if u.strip()]


def stream_config(name: str, replicas: int = 1) -> js_api.StreamConfig:
    """The one stream that holds the whole event log (replicated on a cluster)."""
    return js_api.StreamConfig(
        name=name,
        num_replicas=replicas,
        subjects=[f"{SUBJECT_PREFIX}.>"],
        storage=js_api.StorageType.FILE,
        retention=js_api.RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        deny_delete=True,
        deny_purge=True,
        allow_direct=True,
    )


async def ensure_stream(js: JetStreamContext, name: str, replicas: int = 1) -> None:
    """Create the event-log stream if it does not exist yet."""
    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(stream_config(name, replicas))


class Bus:
    """A NATS connection that keeps trying: services accept commands while NATS is down."""

    def __init__(self, url: str, stream: str, name: str, replicas: int = 1) -> None:
        self.url = url
        self.replicas = replicas
        self.stream = stream
        self.name = name
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        """Whether the connection is up right now."""
        return self.nc is not None and self.nc.is_connected and self._ready.is_set()

    async def wait_connected(self, timeout: float | None = None) -> bool:
        """Wait until connected (and the stream exists); False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                await self._ready.wait()
        except TimeoutError:
            return False
        return self.connected

    def start(self) -> None:
        """Begin connecting in the background."""
        self._task = asyncio.create_task(self._connect_loop(), name=f"bus-connect-{self.name}")

    async def _connect_loop(self) -> None:
        delay = 0.2
        while True:
            try:
                self.nc = await nats.connect(
                    server_urls(self.url),
                    name=self.name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    ping_interval=5,
                    max_outstanding_pings=2,
                    reconnected_cb=self._on_reconnect,
                    disconnected_cb=self._on_disconnect,
                    error_cb=self._on_error,
                )
                self.js = self.nc.jetstream(timeout=5)
                await self._ensure_stream_with_retry()
                self._ready.set()
                log.info("connected to NATS at %s", self.url)
                return
            except (OSError, nats.errors.Error, TimeoutError) as exc:
                log.warning("NATS at %s not reachable (%s); retrying", self.url, exc)
                if self.nc is not None:
                    with contextlib.suppress(Exception):
                        await self.nc.close()
                    self.nc = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _ensure_stream_with_retry(self) -> None:
        assert self.js is not None
        for attempt in range(50):
            try:
                await ensure_stream(self.js, self.stream, self.replicas)
                return
            except (nats.errors.Error, TimeoutError):
                if attempt == 49:
                    raise
                await asyncio.sleep(0.2)

    async def _on_reconnect(self) -> None:
        log.info("reconnected to NATS")
        self._ready.set()

    async def _on_disconnect(self) -> None:
        log.warning("disconnected from NATS")

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS client error: %s", exc)

    async def close(self) -> None:
        """Stop connecting and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.close()
        self._ready.clear()
