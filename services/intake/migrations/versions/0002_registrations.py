"""Registrations of exporters for general licences.

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
        "general_licence_registrations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("exporter_eori", sa.String(17), nullable=False),
        sa.Column("exporter_name", sa.String(300), nullable=False),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=True),
        sa.Column("end_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_registrations_code", "general_licence_registrations",
                    ["code", "registered_on", "id"])
    op.create_index("ix_registrations_exporter", "general_licence_registrations",
                    ["exporter_eori", "registered_on", "id"])
    op.create_index("uq_registrations_running", "general_licence_registrations",
                    ["code", "exporter_eori"], unique=True,
                    sqlite_where=sa.text("ended_on IS NULL"),
                    postgresql_where=sa.text("ended_on IS NULL"))


def downgrade() -> None:
    op.drop_table("general_licence_registrations")
