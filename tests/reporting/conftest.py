"""The reporting service run in-process on a real nats-server and a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import NatsServer, RunningService, run_service


@pytest.fixture
async def reporting(nats_server: NatsServer, db_url: str,
                    tmp_path: Path) -> AsyncIterator[RunningService]:
    """Reporting on this test's nats-server and database (SQLite, and PostgreSQL if given)."""
    async with run_service("reporting", data_dir=tmp_path, nats_url=nats_server.url,
                           db=db_url) as svc:
        yield svc
