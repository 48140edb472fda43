"""Reporting's migrations build exactly the tables its code declares, and no event store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from services.reporting.db import metadata
from shared.db.engine import make_engine
from shared.db.migrate import upgrade

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "reporting" / "migrations"


async def test_migrations_build_the_declared_tables_and_no_event_store(db_url: str) -> None:
    await upgrade(MIGRATIONS, db_url)
    engine = make_engine(db_url)

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata)
                if not (d[0] == "remove_table" and d[1].name == "alembic_version")]

    def tables(connection: Any) -> set[str]:
        return set(inspect(connection).get_table_names())

    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
            names = await conn.run_sync(tables)
    finally:
        await engine.dispose()
    assert names == {"alembic_version", "inbox", "dead_letters", "log", "facts",
                     "projection_state"}
