"""The key store's tables: a service's data keys, its erasures, and keys waiting for the bucket.

They live in a database of their own (`LICENSING_<SVC>_KEYS_DB`), never in the service's
database: a backup of the service's database restored after an erasure holds only sealed
values whose keys are gone.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, LargeBinary, MetaData, String, Table

from shared.db.store_tables import BigId

metadata = MetaData()

# The data keys this service holds: its own (`source` is this service) and copies of other
# services' keys it fetched from the bucket to open their events.
subject_keys = Table(
    "subject_keys",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("subject", String(40), primary_key=True),
    Column("key_id", String(20), primary_key=True),
    Column("key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_subject_keys_subject", "subject"),
)

# Every erasure done here: no personal data, only whose, why and when.
erasures = Table(
    "erasures",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("subject", String(40), nullable=False),
    Column("ground", String(40), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
    Index("ix_erasures_subject", "subject"),
)

# What the bucket still has to learn of this service's own keys, oldest first: `put` a new
# key (before the events sealed with it are published), `purge` an erased one.
key_outbox = Table(
    "key_outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("op", String(10), nullable=False),
    Column("subject", String(40), nullable=False),
    Column("key_id", String(20), nullable=False),
)
