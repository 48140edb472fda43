"""Reporting's migrations leave no event store (that they build the declared tables is
tests/shared/test_migrations.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from tests.harness import migrations_of


async def test_migrations_leave_no_event_store(db_url: str) -> None:
    await upgrade(migrations_of("reporting"), db_url)
    engine = make_engine(db_url)

    def tables(connection: Any) -> set[str]:
        return set(inspect(connection).get_table_names())

    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(tables)
    finally:
        await engine.dispose()
    assert names == {"alembic_version", "inbox", "dead_letters", "log", "facts",
                     "projection_state"}
