"""Fixtures for every test: a real nats-server and real databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.harness import NatsServer, create_postgres_database, postgres_url


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server of this test's own, which the test may stop and restart."""
    server = NatsServer(tmp_path / "nats").start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh empty database: SQLite always, PostgreSQL when a server URL is given."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip("set LICENSING_TEST_POSTGRES_URL to run the PostgreSQL tests")
    url, drop = await create_postgres_database(base)
    try:
        yield url
    finally:
        await drop()
