"""Database mechanisms: engines, the event store tables, migrations."""
