"""Fixtures of the fault suite: the four services as processes on one nats-server, SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.faults import BUSY_TIMEOUT
from tests.support.system import SERVICES, System, running_system


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[System]:
    """One nats-server (so that killing or stopping it takes the whole log away) and the four
    services on SQLite, with a short busy timeout so that a locked database shows in seconds."""
    settings = {f"LICENSING_{name.upper()}_DB_BUSY_TIMEOUT": str(BUSY_TIMEOUT)
                for name in SERVICES}
    async with running_system(tmp_path / "system", nodes=1, replicas=1,
                              settings=settings) as running:
        yield running
