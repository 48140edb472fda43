"""The report's fact projections and the generation pointer.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facts",
        sa.Column("generation", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
    )
    state = op.create_table(
        "projection_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("active", sa.Integer, nullable=False),
        sa.Column("building", sa.Integer, nullable=True),
        sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.bulk_insert(state, [{"id": 1, "active": 1, "building": None, "rebuilt_at": None}])
    op.create_index("ix_log_recorded_at", "log", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_log_recorded_at", "log")
    op.drop_table("projection_state")
    op.drop_table("facts")
