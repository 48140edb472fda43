"""Sanctioned parties: the versions of the EU financial sanctions list loaded, the entities of
the screened one, their name index, and the hits of general-licence realisations.

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
    op.create_table(
        "sanctions_lists",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("list_version", sa.String(60), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entities", sa.Integer, nullable=False),
        sa.Column("names", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(300), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.Column("name_index", sa.String(20), nullable=True),
    )
    op.create_table(
        "sanctioned_entities",
        sa.Column("list_sha256", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(60), primary_key=True),
        sa.Column("subject_type", sa.String(20), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("names", sa.Text, nullable=False),
    )
    op.create_table(
        "sanctioned_names",
        sa.Column("list_sha256", sa.String(64), primary_key=True),
        sa.Column("name_key", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entity_id", sa.String(60), primary_key=True),
        sa.Column("alias", sa.Integer, primary_key=True, autoincrement=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "realisation_hits",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("realisation_id", sa.String(36), nullable=False),
        sa.Column("entity_id", sa.String(60), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_realisation_hits_recorded", "realisation_hits", ["recorded_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_realisation_hits_recorded", table_name="realisation_hits")
    op.drop_table("realisation_hits")
    op.drop_table("sanctioned_names")
    op.drop_table("sanctioned_entities")
    op.drop_table("sanctions_lists")
