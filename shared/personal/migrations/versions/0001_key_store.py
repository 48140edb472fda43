"""The key store: data keys per subject, erasures, and the keys waiting for the bucket.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shared.db.store_tables import BigId

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_keys",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("subject", sa.String(40), primary_key=True),
        sa.Column("key_id", sa.String(20), primary_key=True),
        sa.Column("key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_subject_keys_subject", "subject_keys", ["subject"])
    op.create_table(
        "erasures",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("ground", sa.String(40), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_erasures_subject", "erasures", ["subject"])
    op.create_table(
        "key_outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("key_id", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_outbox")
    op.drop_table("erasures")
    op.drop_table("subject_keys")
