"""Alembic environment of the reporting service."""

from alembic import context

from services.reporting.db import metadata
from shared.db.migrate import run_migrations_env

run_migrations_env(context, metadata)
