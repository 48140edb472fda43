"""Event store and the assessment read models.

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
        "cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("queue", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("screening_status", sa.String(20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("licence_number", sa.String(40), nullable=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_cases_queue_status", "cases", ["queue", "status"])
    op.create_index("ix_cases_reference", "cases", ["reference"])
    op.create_index("ix_cases_screening", "cases", ["screening_status"])
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("denial_id", sa.String(64), nullable=False),
        sa.Column("application_ref", sa.String(300), nullable=False),
        sa.Column("consulting_state", sa.String(8), nullable=True),
        sa.Column("denying_state", sa.String(8), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decision", sa.String(10), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_consultations_ref", "consultations", ["application_ref"])
    op.create_table(
        "licences",
        sa.Column("licence_number", sa.String(40), primary_key=True),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("amends_licence_number", sa.String(40), nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_licences_amends", "licences", ["amends_licence_number"])
    op.create_table(
        "licence_counters",
        sa.Column("prefix", sa.String(20), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "parliament_notifications",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("licence_number", sa.String(40), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("destination", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("value_eur", sa.String(20), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("due_by", sa.Date, nullable=False),
        sa.Column("sent_on", sa.Date, nullable=True),
    )
    op.create_index("ix_notifications_due", "parliament_notifications", ["sent_on", "due_by"])
    op.create_table(
        "classification_requests",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_classification_status", "classification_requests",
                    ["status", "requested_at"])


def downgrade() -> None:
    raise NotImplementedError("the event store is never dropped")
