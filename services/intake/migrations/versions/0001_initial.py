"""Event store and the intake read models.

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
        "applications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(300), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("licence_number", sa.String(40), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "licences",
        sa.Column("licence_number", sa.String(40), primary_key=True),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("regime", sa.String(30), nullable=False),
        sa.Column("destinations", sa.Text, nullable=False),
        sa.Column("destination_group", sa.String(20), nullable=True),
        sa.Column("value_eur", sa.String(20), nullable=False),
        sa.Column("used_eur", sa.String(20), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("revoked_on", sa.Date, nullable=True),
        sa.Column("superseded_by", sa.String(40), nullable=True),
        sa.Column("superseded_on", sa.Date, nullable=True),
        sa.Column("suspensions", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "shipments",
        sa.Column("declaration_ref", sa.String(300), primary_key=True),
        sa.Column("licence_number", sa.String(40), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_licences_application_id", "licences", ["application_id"])
    op.create_index("ix_shipments_licence_number", "shipments", ["licence_number"])
    op.create_table(
        "realisations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_table(
        "classification_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(300), nullable=True, unique=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=True),
    )


def downgrade() -> None:
    raise NotImplementedError("the event store is never dropped")
