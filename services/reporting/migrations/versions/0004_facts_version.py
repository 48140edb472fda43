"""The version of what the facts hold, so that facts kept by older code are rebuilt once.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projection_state") as state:
        state.add_column(sa.Column("facts_version", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("projection_state") as state:
        state.drop_column("facts_version")
