"""Tables of the intake service: the event store and the applications read model."""

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

from shared.db.store_tables import add_store_tables

metadata = MetaData()
add_store_tables(metadata)

applications = Table(
    "applications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("reference", String(300), nullable=False, unique=True),
    Column("idempotency_key", String(300), nullable=False, unique=True),
    Column("body_hash", String(64), nullable=False),
    Column("status", String(30), nullable=False),
    Column("licence_number", String(40), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
