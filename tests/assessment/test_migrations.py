"""Assessment's migrations build exactly the tables its code declares, from an empty database
and over a database of the first revision holding cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from services.assessment.db import metadata
from shared.db.engine import make_engine
from shared.db.migrate import alembic_config, upgrade

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "assessment" / "migrations"


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


async def test_cases_of_the_first_revision_go_after_the_accelerated_ones(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config(MIGRATIONS, db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: (cfg.attributes.__setitem__("connection", c),
                                           command.upgrade(cfg, "0001")))
            await conn.execute(text(
                "INSERT INTO cases (id, application_id, reference, queue, status, "
                "screening_status, opened_at, document, version) VALUES ('c1', 'c1', 'R', "
                "'mfa', 'open', 'pending', :opened, '{}', 3)"),
                {"opened": dt.datetime(2024, 5, 2, 9, 30, tzinfo=dt.UTC)})
        await upgrade(MIGRATIONS, db_url)
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT accelerated, queue_order FROM cases"))).one()
    finally:
        await engine.dispose()
    assert not row.accelerated and row.queue_order == "1|2024-05-02T09:30:00.000000"
