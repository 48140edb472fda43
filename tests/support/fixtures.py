"""Pytest fixtures over tests.support.system; a conftest imports the ones it wants.

    from tests.support.fixtures import backend, cluster_system  # noqa: F401

- `backend`: "sqlite", and "postgresql" when LICENSING_TEST_POSTGRES_URL names a server
  (marked `postgres`; skipped otherwise).
- `databases`: each service's database URL for the backend (empty for SQLite: files under the
  data dir; for PostgreSQL one fresh database per service, dropped after the test).
- `cluster_system`: three clustered NATS nodes (`sync_interval: always`), the stream at three
  replicas, the four services as processes on `databases`; every process killed after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.system import System, postgres_databases, postgres_url, running_system


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The database every service runs on in this test."""
    if request.param == "postgresql" and postgres_url() is None:
        pytest.skip("set LICENSING_TEST_POSTGRES_URL to run the PostgreSQL system tests")
    return str(request.param)


@pytest.fixture
async def databases(backend: str) -> AsyncIterator[dict[str, str]]:
    """Each service's database URL (none: SQLite files under the data dir)."""
    if backend == "sqlite":
        yield {}
        return
    base = postgres_url()
    assert base is not None
    async with postgres_databases(base) as urls:
        yield urls


@pytest.fixture
async def cluster_system(tmp_path: Path, databases: dict[str, str]) -> AsyncIterator[System]:
    """Three NATS nodes and the four services, on the backend's databases."""
    async with running_system(tmp_path / "system", nodes=3, replicas=3,
                              databases=databases) as system:
        yield system
