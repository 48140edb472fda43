"""Fixtures of the cluster tests: the whole system on three NATS nodes, SQLite and PostgreSQL."""

from tests.support.fixtures import backend, cluster_system, databases  # noqa: F401
