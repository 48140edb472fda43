"""Intake commands, one transaction each: load, decide, append, project the read models."""
