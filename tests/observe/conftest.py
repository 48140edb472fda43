"""Fixtures for the operator's view: log lines captured as the JSON a service would print."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from shared.logs import JsonFormatter
from tests.harness import TEST_SECRET


class Lines(logging.Handler):
    """Keeps every formatted line, and parses them back."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter(secrets=[TEST_SECRET]))
        self.text: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Format the record as `licensing serve` would print it."""
        self.text.append(self.format(record))

    def parsed(self) -> list[dict[str, Any]]:
        """Every line as the JSON object it is."""
        return [json.loads(line) for line in self.text]

    def with_trace(self, trace_id: str) -> list[dict[str, Any]]:
        """The lines of one trace."""
        return [line for line in self.parsed() if line.get("trace_id") == trace_id]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """Every line logged at INFO or above during the test, as JSON."""
    root = logging.getLogger()
    handler, level = Lines(), root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
