"""Alembic, run programmatically: one migration history per service, applied before it starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db.engine import make_engine


def alembic_config(script_location: Path, url: str) -> Config:
    """An Alembic config for one service's migrations and database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(script_location: Path, url: str) -> None:
    """Bring the database at `url` to the newest migration of `script_location`."""
    engine = make_engine(url, poolclass=pool.NullPool) if url.startswith("sqlite") else (
        create_async_engine(url, poolclass=pool.NullPool)
    )
    cfg = alembic_config(script_location, url)

    def _run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")

    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


def run_migrations_env(context: Any, metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`."""
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        context.configure(url=url, target_metadata=metadata, literal_binds=True,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
