"""Event store, the denials registry, its matching index, consultations and notifications.

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
        sa.Column("regime", sa.String(20), nullable=False),
        sa.Column("rating", sa.String(60), nullable=True),
        sa.Column("denied_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("revoked_on", sa.Date, nullable=True),
        sa.Column("expiry_recorded", sa.Boolean, nullable=False),
        sa.Column("application_id", sa.String(36), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("names", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("state", "reference", "destination",
                            name="uq_denials_state_reference"),
    )
    op.create_index("ix_denials_destination", "denials", ["destination"])
    op.create_index("ix_denials_state", "denials", ["state"])
    op.create_index("ix_denials_registered", "denials", ["registered_at", "id"])
    op.create_index("ix_denials_expires", "denials", ["expires_on"])
    op.create_table(
        "denial_keys",
        sa.Column("denial_id", sa.String(36), primary_key=True),
        sa.Column("rating_key", sa.String(60), primary_key=True),
        sa.Column("destination", sa.String(2), nullable=False),
    )
    op.create_index("ix_denial_keys_lookup", "denial_keys", ["destination", "rating_key"])
    registry = op.create_table(
        "registry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.bulk_insert(registry, [{"id": 1, "version": 0}])
    op.create_table(
        "dismissals",
        sa.Column("application_ref", sa.String(300), primary_key=True),
        sa.Column("denial_id", sa.String(36), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("dismissed_by", sa.String(300), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("denial_id", sa.String(36), nullable=False),
        sa.Column("consulting_state", sa.String(2), nullable=False),
        sa.Column("denying_state", sa.String(2), nullable=False),
        sa.Column("application_ref", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_by", sa.Date, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_consultations_consulting", "consultations",
                    ["consulting_state", "opened_at"])
    op.create_index("ix_consultations_denying", "consultations", ["denying_state", "opened_at"])
    op.create_index("ix_consultations_denial", "consultations", ["denial_id", "application_ref"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("consultation_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_notifications_state", "notifications", ["state", "created_at"])
    op.create_table(
        "applications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_applications_reference", "applications", ["reference"])


def downgrade() -> None:
    raise NotImplementedError("the event store is never dropped")
