"""Tables of the denials service: the event store and the registry read model."""

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, Text

from shared.db.store_tables import add_store_tables

metadata = MetaData()
add_store_tables(metadata)

denials = Table(
    "denials",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(2), nullable=False),
    Column("reference", String(300), nullable=False),
    Column("destination", String(2), nullable=False, index=True),
    Column("denied_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
