"""Every service's migrations build exactly the tables its code declares, from an empty database."""

from __future__ import annotations

import importlib

import pytest

from shared.db.migrate import upgrade
from shared.topology import SERVICES
from tests.harness import migrations_of, schema_differences


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_build_the_declared_tables(service: str, db_url: str) -> None:
    metadata = importlib.import_module(f"services.{service}.db").metadata
    await upgrade(migrations_of(service), db_url)
    assert await schema_differences(db_url, metadata) == []
