"""Tables of the reporting service: its copy of the event log, the report's facts, and the
consumer's inbox and dead letters.

Reporting records no events, so it keeps no event store (`events`, `outbox`): only the two
tables of shared.db.store_tables a consumer writes, declared there and copied here.
"""

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

from shared.db.store_tables import add_store_tables

metadata = MetaData()


def _consumer_tables(into: MetaData) -> None:
    store = MetaData()
    add_store_tables(store)
    for name in ("inbox", "dead_letters"):
        store.tables[name].to_metadata(into)


_consumer_tables(metadata)

log = Table(
    "log",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("source", String(40), nullable=False),
    Column("stream_id", String(200), nullable=False, index=True),
    Column("stream_version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, index=True),
    Column("body", Text, nullable=False),
)

# The report's facts, one row per (generation, kind, key). Readers use the active generation; a
# rebuild fills the next one while the active one keeps serving, then switches the pointer.
facts = Table(
    "facts",
    metadata,
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(20), primary_key=True),
    Column("key", String(400), primary_key=True),
    Column("body", Text, nullable=False),
)

# One row (id 1): which generation serves, which one a rebuild is filling, and what they hold.
projection_state = Table(
    "projection_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("active", Integer, nullable=False),
    Column("building", Integer, nullable=True),
    Column("rebuilt_at", DateTime(timezone=True), nullable=True),
    # The FACTS_VERSION the active generation was built with (NULL: before versions were kept).
    Column("facts_version", Integer, nullable=True),
)
