"""Tables of the assessment service: the event store and the cases read model."""

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

from shared.db.store_tables import add_store_tables

metadata = MetaData()
add_store_tables(metadata)

cases = Table(
    "cases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), nullable=False),
    Column("reference", String(300), nullable=False),
    Column("queue", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
