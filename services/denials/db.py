"""Tables of the denials service: the event store and the read models."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.db.store_tables import add_store_tables

metadata = MetaData()
add_store_tables(metadata)

# The shared registry. `names` caches the prepared end user and consignee names so that a
# screening only compares; `expires_on` is the first day the denial is no longer active.
denials = Table(
    "denials",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(2), nullable=False),
    Column("reference", String(300), nullable=False),
    Column("destination", String(2), nullable=False),
    Column("regime", String(20), nullable=False),
    Column("rating", String(60), nullable=True),
    Column("denied_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("revoked_on", Date, nullable=True),
    Column("expiry_recorded", Boolean, nullable=False, default=False),
    Column("application_id", String(36), nullable=True),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("names", Text, nullable=False),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("state", "reference", "destination", name="uq_denials_state_reference"),
    Index("ix_denials_destination", "destination"),
    Index("ix_denials_state", "state"),
    Index("ix_denials_registered", "registered_at", "id"),
    Index("ix_denials_expires", "expires_on"),
)

# The matching index: one row per denial and rating family, looked up by destination first.
denial_keys = Table(
    "denial_keys",
    metadata,
    Column("denial_id", String(36), primary_key=True),
    Column("rating_key", String(60), primary_key=True),
    Column("destination", String(2), nullable=False),
    Index("ix_denial_keys_lookup", "destination", "rating_key"),
)

# The name index: each denial filed under the keys of its names (`matching.filing_keys`), per
# destination and rating family, so that a screening scores only the denials sharing a key with
# the names it asks about instead of every denial for the destination.
denial_names = Table(
    "denial_names",
    metadata,
    Column("destination", String(2), primary_key=True),
    Column("rating_key", String(60), primary_key=True),
    Column("name_key", BigInteger, primary_key=True, autoincrement=False),
    Column("denial_id", String(36), primary_key=True),
    # The primary key is all there is: SQLite need not keep the rows twice (table and index).
    sqlite_with_rowid=False,
)

# How many registry events have been applied: the version a screening ran against; and the
# `matching.NAME_INDEX_VERSION` denial_names was filed with (screening trusts no other).
registry = Table(
    "registry",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("name_index", String(20), nullable=True),
)

dismissals = Table(
    "dismissals",
    metadata,
    Column("application_ref", String(300), primary_key=True),
    Column("denial_id", String(36), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("dismissed_by", String(300), nullable=False),
    Column("dismissed_at", DateTime(timezone=True), nullable=False),
)

consultations = Table(
    "consultations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("denial_id", String(36), nullable=False),
    Column("consulting_state", String(2), nullable=False),
    Column("denying_state", String(2), nullable=False),
    Column("application_ref", String(300), nullable=False),
    Column("status", String(20), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("due_by", Date, nullable=False),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_consultations_consulting", "consulting_state", "opened_at"),
    Index("ix_consultations_denying", "denying_state", "opened_at"),
    Index("ix_consultations_denial", "denial_id", "application_ref"),
)

# What a state is told: a grant despite its denial.
notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(2), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("consultation_id", String(36), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Index("ix_notifications_state", "state", "created_at"),
)

# The few fields of Dutch applications needed to register their denials; never shown.
applications = Table(
    "applications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("reference", String(300), nullable=False),
    Column("document", Text, nullable=False),
    Index("ix_applications_reference", "reference"),
)

# Sanctioned parties. Every version of the list loaded (`SanctionsListLoaded`), the screened one
# `current`; `name_index` is the `matching.NAME_INDEX_VERSION` its names were filed with.
sanctions_lists = Table(
    "sanctions_lists",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("list_version", String(60), nullable=False),
    Column("generated_at", DateTime(timezone=True), nullable=False),
    Column("entities", Integer, nullable=False),
    Column("names", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("loaded_by", String(300), nullable=False),
    Column("current", Boolean, nullable=False),
    Column("name_index", String(20), nullable=True),
)

# The entities of the screened list only (a new version replaces them): `document` as listed,
# `names` their names prepared (`PreparedName.to_json`), so a screening only compares.
sanctioned_entities = Table(
    "sanctioned_entities",
    metadata,
    Column("list_sha256", String(64), primary_key=True),
    Column("entity_id", String(60), primary_key=True),
    Column("subject_type", String(20), nullable=False),
    Column("document", Text, nullable=False),
    Column("names", Text, nullable=False),
)

# The name index of the screened list: each name of each entity (`alias`, its position in
# the entity's names) filed under its keys (`matching.filing_keys`), as `denial_names` files
# denials; a screening compares a name only with the listed names it shares a key with.
sanctioned_names = Table(
    "sanctioned_names",
    metadata,
    Column("list_sha256", String(64), primary_key=True),
    Column("name_key", BigInteger, primary_key=True, autoincrement=False),
    Column("entity_id", String(60), primary_key=True),
    Column("alias", Integer, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

# Hits of general-licence realisations on the sanctions list (`RealisationSanctionsHit`), one
# row per event: `GET /v1/sanctions/hits`.
realisation_hits = Table(
    "realisation_hits",
    metadata,
    Column("id", String(36), primary_key=True),  # the event id
    Column("realisation_id", String(36), nullable=False),
    Column("entity_id", String(60), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Index("ix_realisation_hits_recorded", "recorded_at", "id"),
)
