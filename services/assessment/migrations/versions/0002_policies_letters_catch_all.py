"""Destination policies (accelerated cases first), letters to parliament, catch-all
requirements, investigations.

Revision ID: 0002
Revises: 0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("accelerated", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("queue_order", sa.String(40), nullable=False,
                                   server_default=""))
    cases = sa.table("cases", sa.column("id", sa.String), sa.column("opened_at", sa.DateTime),
                     sa.column("queue_order", sa.String))
    connection = op.get_bind()
    # Cases opened before had no policy: each goes after the accelerated ones, by opening.
    for case_id, opened_at in connection.execute(sa.select(cases.c.id, cases.c.opened_at)).all():
        stamp = opened_at if opened_at.tzinfo is None else (
            opened_at.astimezone(dt.UTC).replace(tzinfo=None))
        connection.execute(cases.update().where(cases.c.id == case_id).values(
            queue_order="1|" + stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")))
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("accelerated", server_default=None)
        batch.alter_column("queue_order", server_default=None)
    op.create_index("ix_cases_queue_order", "cases", ["queue_order"])

    with op.batch_alter_table("parliament_notifications") as batch:
        batch.alter_column("due_by", existing_type=sa.Date, nullable=True)
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False,
                                   server_default="fast_track"))
        batch.add_column(sa.Column("explanation", sa.Text, nullable=True))
        batch.add_column(sa.Column("letter_reference", sa.String(300), nullable=True))
        batch.add_column(sa.Column("listed_on", sa.Date, nullable=True))
    op.execute("UPDATE parliament_notifications SET listed_on = due_by")
    with op.batch_alter_table("parliament_notifications") as batch:
        batch.alter_column("kind", server_default=None)
        batch.alter_column("listed_on", existing_type=sa.Date, nullable=False)
    op.create_index("ix_notifications_listed", "parliament_notifications", ["listed_on"])

    op.create_table(
        "parliament_letters",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("sent_on", sa.Date, nullable=False),
        sa.Column("destination", sa.String(20), nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_letters_sent", "parliament_letters", ["sent_on"])
    op.create_table(
        "catch_all_requirements",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("exporter_eori", sa.String(40), nullable=False),
        sa.Column("imposed_on", sa.Date, nullable=False),
        sa.Column("lifted_on", sa.Date, nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_catch_all_exporter", "catch_all_requirements", ["exporter_eori"])
    op.create_index("ix_catch_all_imposed", "catch_all_requirements", ["imposed_on"])
    op.create_table(
        "investigations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("referred_on", sa.Date, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_investigations_status", "investigations", ["status", "referred_on"])


def downgrade() -> None:
    op.drop_table("investigations")
    op.drop_table("catch_all_requirements")
    op.drop_table("parliament_letters")
    op.drop_index("ix_notifications_listed", "parliament_notifications")
    with op.batch_alter_table("parliament_notifications") as batch:
        for column in ("listed_on", "letter_reference", "explanation", "kind"):
            batch.drop_column(column)
    op.drop_index("ix_cases_queue_order", "cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("queue_order")
        batch.drop_column("accelerated")
