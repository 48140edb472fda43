"""Tables of the intake service: the event store and the read models kept beside it."""

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

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
    # The decision as assessment reported it: JSON {criteria, decided_at, note}.
    Column("decision", Text, nullable=True),
    Column("version", Integer, nullable=False),
)

# Licences as assessment issued them; `used_eur` and `version` change together, so two
# shipments cannot both fit under the remaining value (compare-and-set on `version`).
licences = Table(
    "licences",
    metadata,
    Column("licence_number", String(40), primary_key=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("regime", String(30), nullable=False),
    Column("destinations", Text, nullable=False),
    Column("destination_group", String(20), nullable=True),
    Column("value_eur", String(20), nullable=False),
    Column("used_eur", String(20), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("revoked_on", Date, nullable=True),
    # An extension or replacement takes over: its used value starts where this one's ended.
    Column("superseded_by", String(40), nullable=True),
    Column("superseded_on", Date, nullable=True),
    # JSON list of [suspended_on, reinstated_on or null] periods.
    Column("suspensions", Text, nullable=False),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
    # The exporter, when LicenceIssued named it (catch-all requirements on it apply).
    Column("exporter_eori", String(17), nullable=True),
)

shipments = Table(
    "shipments",
    metadata,
    Column("declaration_ref", String(300), primary_key=True),
    Column("licence_number", String(40), nullable=False, index=True),
    Column("body_hash", String(64), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("document", Text, nullable=False),
)

realisations = Table(
    "realisations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("idempotency_key", String(300), nullable=False, unique=True),
    Column("body_hash", String(64), nullable=False),
    Column("code", String(10), nullable=False),
    Column("document", Text, nullable=False),
)

classification_requests = Table(
    "classification_requests",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("idempotency_key", String(300), nullable=True, unique=True),
    Column("body_hash", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("document", Text, nullable=False),
    Column("answer", Text, nullable=True),
)

# Registrations for general licences, as their streams fold; one running registration per
# exporter and licence (the partial unique index refuses a concurrent second one).
registrations = Table(
    "general_licence_registrations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(10), nullable=False),
    Column("exporter_eori", String(17), nullable=False),
    Column("exporter_name", String(300), nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("end_reason", Text, nullable=True),
    Index("ix_registrations_code", "code", "registered_on", "id"),
    Index("ix_registrations_exporter", "exporter_eori", "registered_on", "id"),
    Index("uq_registrations_running", "code", "exporter_eori", unique=True,
          sqlite_where=text("ended_on IS NULL"), postgresql_where=text("ended_on IS NULL")),
)

# Catch-all requirements assessment imposed, as their streams fold: intake flags realisations
# and refuses shipments they cover.
catch_all_requirements = Table(
    "catch_all_requirements",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("exporter_eori", String(17), nullable=False, index=True),
    Column("destination", String(2), nullable=True),
    Column("ground", String(40), nullable=False),
    Column("imposed_on", Date, nullable=False),
    Column("lifted_on", Date, nullable=True),
)
