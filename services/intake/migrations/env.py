"""Alembic environment of the intake service."""

from alembic import context

from services.intake.db import metadata
from shared.db.migrate import run_migrations_env

run_migrations_env(context, metadata)
