"""Log lines an operator can follow: one JSON object a line, with the ids of the work at hand.

A line carries `time`, `level`, `logger`, `message` and `service`, and, when known, the
`event_id` and `correlation_id` of the event being handled (bound by the relay, the consumers
and the request middleware through a context variable) and the `trace_id` and `span_id` of the
current OpenTelemetry span. Bearer tokens, JWTs and the configured secrets never reach a line:
they are masked in the message and in tracebacks alike.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import orjson
from opentelemetry import trace

LOG_FORMAT_ENV = "LICENSING_LOG_FORMAT"
FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "[redacted]"

# What the work at hand is about; each task and request sees its own copy.
_NONE: Mapping[str, str] = MappingProxyType({})
_fields: ContextVar[Mapping[str, str]] = ContextVar("log_fields", default=_NONE)

# A JWT (three base64url parts, the first a JSON header), or whatever follows "Bearer".
_TOKENS = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
                     r"|(?<=[Bb]earer )[^\s\"',;]+")
# The attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "color_message", "taskName"}


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Add fields (None: leave out) to every line logged inside the block."""
    token = _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _fields.reset(token)


def bind(**fields: str | None) -> None:
    """Add fields to every later line of the current task (for a task's whole life)."""
    _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v is not None}})


def current_fields() -> dict[str, str]:
    """The fields bound here, with the current span's trace and span ids when there is one."""
    out = dict(_fields.get())
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        out["trace_id"] = format(context.trace_id, "032x")
        out["span_id"] = format(context.span_id, "016x")
    return out


class Redactor:
    """Masks tokens and the given secrets in text."""

    def __init__(self, secrets: Sequence[str | None] = ()) -> None:
        # Secrets shorter than 8 characters would mask ordinary words; none that short is
        # accepted outside development anyway.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        # The substring tests spare most lines the regular expression.
        return _TOKENS.sub(MASK, text) if "eyJ" in text or "earer " in text else text


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, service and the bound ids."""

    def __init__(self, service: str | None = None, secrets: Sequence[str | None] = ()) -> None:
        super().__init__()
        self.service = service
        self.redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if self.service is not None:
            out["service"] = self.service
        out.update(current_fields())
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = value if isinstance(value, int | float | bool | None) \
                    else self.redact(str(value))
        if record.exc_info:
            out["exception"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            out["exception"] = self.redact(record.exc_text)
        if record.stack_info:
            out["stack"] = self.redact(self.formatStack(record.stack_info))
        try:
            return orjson.dumps(out, default=str).decode()
        except TypeError:  # what orjson refuses (an integer past 64 bits)
            return json.dumps(out, ensure_ascii=False, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """The plain line for a person at a terminal, tokens and secrets masked all the same."""

    def __init__(self, secrets: Sequence[str | None] = ()) -> None:
        super().__init__(TEXT_FORMAT)
        self.redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, with the trace id when there is one."""
        text = super().format(record)
        trace_id = current_fields().get("trace_id")
        if trace_id:
            text = f"{text} [trace {trace_id}]"
        return self.redact(text)


def log_format(default: str = "json") -> str:
    """LICENSING_LOG_FORMAT (json or text), or the default."""
    value = os.environ.get(LOG_FORMAT_ENV, "").strip().lower() or default
    if value not in FORMATS:
        raise ValueError(f"{LOG_FORMAT_ENV} must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


TRACE = 5  # uvicorn's TRACE_LOG_LEVEL


def configure(fmt: str, *, service: str | None = None, level: int | str = logging.INFO,
              secrets: Sequence[str | None] = ()) -> logging.Handler:
    """Send every log line of the process to stderr in the given format (json or text)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service, secrets) if fmt == "json"
                         else TextFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    if isinstance(level, str):
        # uvicorn's "trace" (level 5) is finer than DEBUG, whether uvicorn has named it yet or not.
        level = (TRACE if level.upper() == "TRACE"
                 else logging.getLevelNamesMapping().get(level.upper(), logging.DEBUG))
    root.setLevel(level)
    return handler
