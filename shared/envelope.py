"""The event envelope: one shape in the database and on the wire, hash-chained per stream."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

GENESIS_HASH = "0" * 64
SUBJECT_PREFIX = "lic"


class Actor(BaseModel):
    """Who caused an event: the token's subject, roles and, for partner states, the state."""

    model_config = ConfigDict(frozen=True)

    sub: str
    roles: tuple[str, ...] = ()
    state: str | None = None


SYSTEM = Actor(sub="system", roles=("system",))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces: the form that is hashed and stored."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=_json_default,
                      ensure_ascii=False)


def _digest(fields: dict[str, Any]) -> str:
    """The hash of an envelope's fields: sha256 over their canonical JSON."""
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


class Envelope(BaseModel):
    """A recorded event. CloudEvents names where they fit (`type`, `source`, `specversion`)."""

    model_config = ConfigDict(frozen=True)

    specversion: str = "1.0"
    event_id: str
    type: str
    version: int = 1
    source: str
    stream_id: str
    stream_version: int
    occurred_at: datetime
    recorded_at: datetime
    actor: Actor
    correlation_id: str
    causation_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    @field_validator("occurred_at", "recorded_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("times must carry a zone")
        return value.astimezone(UTC)

    def hashed_fields(self) -> dict[str, Any]:
        """Everything the hash covers: the whole envelope except the hash itself."""
        data = self.model_dump(mode="json")
        data.pop("hash")
        return data

    def compute_hash(self) -> str:
        """sha256 over the canonical JSON of the envelope without its hash."""
        return _digest(self.hashed_fields())

    def sealed(self) -> Envelope:
        """This envelope with its hash filled in."""
        return self.model_copy(update={"hash": self.compute_hash()})

    def seal(self) -> tuple[Envelope, str]:
        """This envelope with its hash filled in, and its stored text (`to_json()` of it), from
        one dump of the model: what `sealed()` then `to_json()` give, for half the work."""
        fields = self.hashed_fields()
        digest = _digest(fields)
        return self.model_copy(update={"hash": digest}), canonical_json({**fields, "hash": digest})

    def to_json(self) -> str:
        """The canonical JSON text stored and published."""
        return canonical_json(self.model_dump(mode="json"))

    @property
    def subject(self) -> str:
        """The NATS subject: lic.<source>.<stream_id>.<type>."""
        return subject_for(self.source, self.stream_id, self.type)

    @classmethod
    def parse(cls, raw: bytes | str) -> Envelope:
        """Parse an envelope from its JSON text."""
        return cls.model_validate_json(raw)


def subject_for(source: str, stream_id: str, event_type: str) -> str:
    """The subject of an event; stream ids contain no dots, so `lic.*.<id>.*` reads one stream."""
    return f"{SUBJECT_PREFIX}.{source}.{stream_id}.{event_type}"


def stream_filter(stream_id: str) -> str:
    """The subject filter for every service's events on one stream (one licence's life)."""
    return f"{SUBJECT_PREFIX}.*.{stream_id}.*"


def new_event_id() -> str:
    """A fresh random event id."""
    return str(uuid.uuid4())
