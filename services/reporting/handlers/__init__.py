"""Reporting's writes: the live projection of every event, and the rebuild from the log."""
