"""Event store and the denials registry.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shared.db.store_migration import create_store_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_store_v1()
    op.create_table(
        "denials",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("destination", sa.String(2), nullable=False),
        sa.Column("denied_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_denials_destination", "denials", ["destination"])


def downgrade() -> None:
    raise NotImplementedError("the event store is never dropped")
