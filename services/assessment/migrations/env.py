"""Alembic environment of the assessment service."""

from alembic import context

from services.assessment.db import metadata
from shared.db.migrate import run_migrations_env

run_migrations_env(context, metadata)
