"""The tables every service keeps for its events: events, outbox, inbox and dead letters."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# SQLite only auto-increments INTEGER PRIMARY KEY; BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def add_store_tables(metadata: MetaData) -> None:
    """Declare the event store tables on a service's metadata."""
    Table(
        "events",
        metadata,
        Column("stream_id", String(200), primary_key=True),
        Column("stream_version", Integer, primary_key=True, autoincrement=False),
        Column("event_id", String(36), nullable=False),
        Column("type", String(100), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("hash", String(64), nullable=False),
        Column("body", Text, nullable=False),
        UniqueConstraint("event_id", name="uq_events_event_id"),
        Index("ix_events_type", "type"),
    )
    Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False),
        Column("subject", String(400), nullable=False),
        Column("body", Text, nullable=False),
    )
    Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    Table(
        "dead_letters",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36), nullable=True),
        Column("subject", String(400), nullable=False),
        Column("body", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
    )


APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END",
]

APPEND_ONLY_POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'events are append-only: % refused', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS events_no_change ON events",
    "CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION events_append_only()",
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()",
]


def append_only_statements(dialect: str) -> list[str]:
    """The DDL that makes the events table refuse UPDATE and DELETE on this dialect."""
    return APPEND_ONLY_POSTGRES if dialect == "postgresql" else APPEND_ONLY_SQLITE
