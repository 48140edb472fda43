"""Catch-all requirements intake applies, and the exporter of a licence they cover.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("licences") as batch:
        batch.add_column(sa.Column("exporter_eori", sa.String(17), nullable=True))
    op.create_table(
        "catch_all_requirements",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("exporter_eori", sa.String(17), nullable=False),
        sa.Column("destination", sa.String(2), nullable=True),
        sa.Column("ground", sa.String(40), nullable=False),
        sa.Column("imposed_on", sa.Date, nullable=False),
        sa.Column("lifted_on", sa.Date, nullable=True),
    )
    op.create_index("ix_catch_all_requirements_exporter_eori", "catch_all_requirements",
                    ["exporter_eori"])


def downgrade() -> None:
    op.drop_table("catch_all_requirements")
    with op.batch_alter_table("licences") as batch:
        batch.drop_column("exporter_eori")
