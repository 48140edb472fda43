"""Fixtures of the mechanism tests; their made-up event contracts are registered here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

import tests.sample_contracts  # noqa: F401 - registers the contracts of `test` and `producer`
from shared.service import Runtime
from shared.settings import ServiceSettings


def make_metadata() -> MetaData:
    from shared.db.store_tables import add_store_tables

    metadata = MetaData()
    add_store_tables(metadata)
    Table("effects", metadata, Column("event_id", String(36), primary_key=True),
          Column("n", Integer, nullable=False))
    return metadata


@pytest.fixture
async def runtime_factory(tmp_path: Path) -> AsyncIterator:
    runtimes: list[Runtime] = []

    async def make(nats_url: str, name: str = "test") -> Runtime:
        metadata = make_metadata()
        settings = ServiceSettings(service=name, data_dir=tmp_path, nats_url=nats_url,
                                   db=f"sqlite:///{tmp_path / (name + '.db')}")
        runtime = Runtime(settings, metadata)
        async with runtime.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        await runtime.stop()


