"""Denials commands and queries: load -> decide -> append events + read model -> commit."""
