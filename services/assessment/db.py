"""Tables of the assessment service: the event store and its read models."""

from sqlalchemy import (
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
)

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
    Column("screening_status", String(20), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("licence_number", String(40), nullable=True),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("accelerated", Boolean, nullable=False),
    # The assessors' order: accelerated open cases first, then by opening ("0|<opened>" or
    # "1|<opened>"), so one keyset pages through it.
    Column("queue_order", String(40), nullable=False),
    Index("ix_cases_queue_status", "queue", "status"),
    Index("ix_cases_queue_order", "queue_order"),
    Index("ix_cases_reference", "reference"),
    Index("ix_cases_screening", "screening_status"),
)

consultations = Table(
    "consultations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("denial_id", String(64), nullable=False),
    Column("application_ref", String(300), nullable=False),
    Column("consulting_state", String(8), nullable=True),
    Column("denying_state", String(8), nullable=True),
    Column("status", String(10), nullable=False),
    Column("decision", String(10), nullable=True),
    Column("opened_at", DateTime(timezone=True), nullable=True),
    Index("ix_consultations_ref", "application_ref"),
)

licences = Table(
    "licences",
    metadata,
    Column("licence_number", String(40), primary_key=True),
    Column("application_id", String(36), nullable=False),
    Column("status", String(12), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("amends_licence_number", String(40), nullable=True),
    Column("document", Text, nullable=False),
    Index("ix_licences_amends", "amends_licence_number"),
)

licence_counters = Table(
    "licence_counters",
    metadata,
    Column("prefix", String(20), primary_key=True),
    Column("last", Integer, nullable=False),
)

parliament_notifications = Table(
    "parliament_notifications",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("licence_number", String(40), nullable=False),
    Column("application_id", String(36), nullable=False),
    Column("destination", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("value_eur", String(20), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("due_by", Date, nullable=True),
    Column("sent_on", Date, nullable=True),
    Column("kind", String(20), nullable=False),
    Column("explanation", Text, nullable=True),
    Column("letter_reference", String(300), nullable=True),
    # The day a notice is listed under: its due date, or its decision's for a periodic letter.
    Column("listed_on", Date, nullable=False),
    Index("ix_notifications_due", "sent_on", "due_by"),
    Index("ix_notifications_listed", "listed_on"),
)

parliament_letters = Table(
    "parliament_letters",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("reference", String(300), nullable=False),
    Column("sent_on", Date, nullable=False),
    Column("destination", String(20), nullable=True),
    Column("document", Text, nullable=False),
    Index("ix_letters_sent", "sent_on"),
)

catch_all_requirements = Table(
    "catch_all_requirements",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("exporter_eori", String(40), nullable=False),
    Column("imposed_on", Date, nullable=False),
    Column("lifted_on", Date, nullable=True),
    Column("document", Text, nullable=False),
    Index("ix_catch_all_exporter", "exporter_eori"),
    Index("ix_catch_all_imposed", "imposed_on"),
)

investigations = Table(
    "investigations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("document", Text, nullable=False),
    Index("ix_investigations_status", "status", "referred_on"),
)

classification_requests = Table(
    "classification_requests",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Index("ix_classification_status", "status", "requested_at"),
)
