"""Denials' migrations build exactly the tables its code declares (the sanctions tables too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.denials.db import metadata
from shared.db.engine import make_engine
from shared.db.migrate import upgrade

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "denials" / "migrations"


async def differences(db_url: str) -> list[Any]:
    """What the database lacks or holds beyond the declared tables."""
    engine = make_engine(db_url)

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata)
                if not (d[0] == "remove_table" and d[1].name == "alembic_version")]

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_migrations_build_the_declared_tables(db_url: str) -> None:
    await upgrade(MIGRATIONS, db_url)
    assert await differences(db_url) == []
