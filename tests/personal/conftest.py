"""Fixtures of the personal-data tests: made-up producers, services' runtimes, a pepper."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import Boolean, Column, MetaData, String, Table

import tests.personal.contracts  # noqa: F401 - registers `registrar` and `copier`
from shared.db.store_tables import add_store_tables
from shared.personal.subjects import Subjects
from shared.service import Runtime
from shared.settings import ServiceSettings

PEPPER = "a test pepper of the installation, long enough"
MakeRuntime = Callable[..., Awaitable[Runtime]]


def make_metadata() -> MetaData:
    """A service's store tables and one table of what its consumer saw."""
    metadata = MetaData()
    add_store_tables(metadata)
    Table("seen", metadata, Column("event_id", String(36), primary_key=True),
          Column("name", String(200), nullable=False),
          Column("erased", Boolean, nullable=False))
    return metadata


@pytest.fixture
def subjects() -> Subjects:
    """Subject ids derived with the tests' pepper."""
    return Subjects(PEPPER.encode())


@pytest.fixture
async def personal_runtime(tmp_path: Path) -> AsyncIterator[MakeRuntime]:
    """Make a service runtime (not started) on SQLite in the test's data directory."""
    runtimes: list[Runtime] = []

    async def make(nats_url: str, name: str, **overrides: object) -> Runtime:
        metadata = make_metadata()
        settings = ServiceSettings(**{"service": name, "data_dir": tmp_path,
                                      "nats_url": nats_url, "subject_pepper": PEPPER,
                                      "db": f"sqlite:///{tmp_path / (name + '.db')}",
                                      **overrides})
        runtime = Runtime(settings, metadata)
        async with runtime.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        await runtime.stop()
