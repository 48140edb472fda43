"""A service running in-process on an event loop of its own thread, called from plain
synchronous code (Hypothesis, which drives schemathesis, runs synchronous tests)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx

from tests.harness import RunningService, run_service


class Served:
    """`with Served("intake", data_dir=..., nats_url=...) as s: s.request("GET", "/health")`."""

    def __init__(self, name: str, *, data_dir: Path, nats_url: str, **overrides: Any) -> None:
        self.name = name
        self.data_dir = data_dir
        self.nats_url = nats_url
        self.overrides = overrides
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=f"served-{name}",
                                       daemon=True)
        self.service: RunningService | None = None
        self._stop: asyncio.Event | None = None
        self._life: Any = None

    def __enter__(self) -> Served:
        self.thread.start()
        ready: asyncio.Future[RunningService] = self.loop.create_future()

        async def life() -> None:
            # Entered and left in one task: the lifespan's task groups demand it.
            self._stop = asyncio.Event()
            try:
                async with run_service(self.name, data_dir=self.data_dir,
                                       nats_url=self.nats_url, **self.overrides) as service:
                    ready.set_result(service)
                    await self._stop.wait()
            except BaseException as exc:
                if not ready.done():
                    ready.set_exception(exc)
                raise

        self._life = asyncio.run_coroutine_threadsafe(life(), self.loop)
        self.service = self.call(_wait(ready), timeout=120)
        return self

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
        """Run a coroutine on the service's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP request to the service, answered in full."""
        assert self.service is not None
        return self.call(self.service.client.request(method, url, **kwargs))  # type: ignore[no-any-return]

    def __exit__(self, *_exc: object) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        if self._life is not None:
            self._life.result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


async def _wait(future: asyncio.Future[RunningService]) -> RunningService:
    return await future
