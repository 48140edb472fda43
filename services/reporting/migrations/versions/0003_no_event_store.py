"""Reporting records no events: the event store's `events` and `outbox` tables go.

They were created by 0001 with every service's store and never written (reporting keeps its copy
of the log in `log`); its consumer's `inbox` and `dead_letters` stay. The column `log.sequence`
goes too: nothing ever wrote it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from shared.db.store_tables import BigId, append_only_statements

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Dropping a table drops its triggers; PostgreSQL's trigger function is left otherwise.
    op.drop_table("outbox")
    op.drop_index("ix_events_type", "events")
    op.drop_table("events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    with op.batch_alter_table("log") as log:
        log.drop_column("sequence")


def downgrade() -> None:
    with op.batch_alter_table("log") as log:
        log.add_column(sa.Column("sequence", sa.BigInteger, nullable=True))
    op.create_table(
        "events",
        sa.Column("stream_id", sa.String(200), primary_key=True),
        sa.Column("stream_version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )
    op.create_index("ix_events_type", "events", ["type"])
    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(400), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    for statement in append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)
