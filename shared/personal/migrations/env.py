"""Alembic environment of the key store (one history, in every service's key database)."""

from alembic import context
from sqlalchemy.engine import Connection

from shared.personal.tables import metadata

# Its own version table: the key store never shares a database with a service by design, but
# if it were pointed at one by mistake the two histories must not overwrite each other.
VERSION_TABLE = "key_store_version"

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    context.configure(url=context.config.get_main_option("sqlalchemy.url"),
                      target_metadata=metadata, literal_binds=True, render_as_batch=True,
                      version_table=VERSION_TABLE)
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
