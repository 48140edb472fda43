"""Intake's migrations build exactly the tables its code declares, from an empty database and
over a database of the first revision holding a licence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from services.intake.db import metadata
from shared.db.engine import make_engine
from shared.db.migrate import alembic_config, upgrade

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "intake" / "migrations"


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


async def test_a_licence_of_the_first_revision_keeps_its_row_and_has_no_exporter(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config(MIGRATIONS, db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: (cfg.attributes.__setitem__("connection", c),
                                           command.upgrade(cfg, "0001")))
            await conn.execute(text(
                "INSERT INTO licences (licence_number, application_id, regime, destinations, "
                "value_eur, used_eur, valid_from, valid_until, status, suspensions, document, "
                "version) VALUES ('NL-1', 'a1', 'military', '[\"NO\"]', '10.00', '0.00', "
                ":day, :day, 'active', '[]', '{}', 1)"), {"day": dt.date(2024, 1, 1)})
        await upgrade(MIGRATIONS, db_url)
        async with engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT licence_number, exporter_eori FROM licences"))).one()
    finally:
        await engine.dispose()
    assert tuple(row) == ("NL-1", None)
