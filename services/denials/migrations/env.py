"""Alembic environment of the denials service."""

from alembic import context

from services.denials.db import metadata
from shared.db.migrate import run_migrations_env

run_migrations_env(context, metadata)
