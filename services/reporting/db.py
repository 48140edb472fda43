"""Tables of the reporting service: the event store and its copy of the event log."""

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text

from shared.db.store_tables import add_store_tables

metadata = MetaData()
add_store_tables(metadata)

log = Table(
    "log",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("source", String(40), nullable=False),
    Column("stream_id", String(200), nullable=False, index=True),
    Column("stream_version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("sequence", BigInteger, nullable=True),
    Column("body", Text, nullable=False),
)
