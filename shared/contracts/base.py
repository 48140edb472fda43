"""The machinery of event contracts: typed payload models, their registry, and upcasting.

Every event type is one pydantic model in its producer's contract module, registered under a
stable `(source, type)` name and a version. Appending validates a payload against its model;
consuming parses it into the model, reading an older version through the `upcast_vN_vM`
functions on the model (a stored event is never rewritten: it is read as the newest version).
An unknown source, type or version, or a payload that does not parse, is an `UnusableEvent`:
a consumer records it as a dead letter with the reason and goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.envelope import Envelope


class Payload(BaseModel):
    """The payload of one event type: typed fields, a stable name and a version.

    Unknown fields are ignored when reading (a newer producer may add optional fields without
    a new version) but refused when appending (see `Registry.dump`).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_source: ClassVar[str]
    event_type: ClassVar[str]
    event_version: ClassVar[int]
    # What the event's stream is (a sentence), and one or more example payloads as sent on the
    # wire: each must parse, and EVENTS.md shows the first.
    stream_doc: ClassVar[str] = ""
    examples: ClassVar[tuple[dict[str, Any], ...]] = ()


P = TypeVar("P", bound=Payload)
M = TypeVar("M", bound=type[Payload])


class UnusableEvent(Exception):
    """An event no handler can use: unknown type or version, or a payload that does not parse."""


@dataclass(frozen=True)
class PersonalData:
    """Marks a field as personal data (`Annotated[str, PersonalData()]`).

    `when` names a sibling field and the value that makes this one personal: the name of an end
    user is personal only when the end user is a private person (`when=("type", "private")`).
    """

    when: tuple[str, str] | None = None


@dataclass(frozen=True)
class Event(Generic[P]):
    """A recorded event with its payload parsed into the newest version of its model."""

    envelope: Envelope
    payload: P

    @property
    def event_id(self) -> str:
        """The event's id."""
        return self.envelope.event_id

    @property
    def stream_id(self) -> str:
        """The stream the event belongs to."""
        return self.envelope.stream_id


_UPCASTER = re.compile(r"^upcast_v(\d+)_v(\d+)$")


@dataclass
class _Family:
    """The versions of one event type: its newest model and the steps from older versions."""

    model: type[Payload]
    steps: dict[int, Callable[[dict[str, Any]], dict[str, Any]]]


class Registry:
    """Maps `(source, type, version)` to the model that reads it."""

    def __init__(self) -> None:
        self._families: dict[tuple[str, str], _Family] = {}

    def register(self, model: type[Payload]) -> None:
        """Add an event model; its upcasters must lead from version 1 to its own."""
        key = (model.event_source, model.event_type)
        if key in self._families:
            raise ValueError(f"event {key} is registered twice")
        steps: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
        for name in dir(model):
            found = _UPCASTER.match(name)
            if found:
                old, new = int(found[1]), int(found[2])
                if new != old + 1:
                    raise ValueError(f"{model.__name__}.{name}: an upcaster goes one version up")
                steps[old] = getattr(model, name)
        missing = [v for v in range(1, model.event_version) if v not in steps]
        if missing:
            raise ValueError(f"{model.__name__} v{model.event_version} has no upcaster from "
                             f"version(s) {missing}")
        for example in model.examples:
            model.model_validate(example)
        self._families[key] = _Family(model, steps)

    def __iter__(self) -> Iterator[type[Payload]]:
        return iter(f.model for _k, f in sorted(self._families.items()))

    def knows(self, source: str, event_type: str, version: int) -> bool:
        """Whether an event of this source, type and version can be read."""
        family = self._families.get((source, event_type))
        return family is not None and 1 <= version <= family.model.event_version

    def newest_version(self, source: str, event_type: str) -> int | None:
        """The version an event type is appended at now; None for an unknown type."""
        family = self._families.get((source, event_type))
        return family.model.event_version if family is not None else None

    def model(self, source: str, event_type: str) -> type[Payload]:
        """The newest model of an event type."""
        family = self._families.get((source, event_type))
        if family is None:
            raise UnusableEvent(f"unknown event type {event_type!r} from {source!r}")
        return family.model

    def upcast(self, source: str, event_type: str, version: int,
               payload: dict[str, Any]) -> dict[str, Any]:
        """A stored payload of `version` as the newest version reads it (not validated)."""
        family = self._families.get((source, event_type))
        if family is None:
            raise UnusableEvent(f"unknown event type {event_type!r} from {source!r}")
        newest = family.model.event_version
        if not 1 <= version <= newest:
            raise UnusableEvent(f"{event_type} version {version} is unknown (this code reads "
                                f"versions 1 to {newest})")
        for step in range(version, newest):
            try:
                payload = family.steps[step](payload)
            except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
                # An older payload the upcaster cannot read is as unusable as a newer one.
                raise UnusableEvent(f"{event_type} v{step} payload cannot be upcast to "
                                    f"v{step + 1}: {type(exc).__name__}: {exc}") from exc
        return payload

    def read(self, source: str, event_type: str, version: int,
             payload: dict[str, Any]) -> Payload:
        """A stored payload parsed into the newest model, upcast first if it is older."""
        model = self.model(source, event_type)
        data = self.upcast(source, event_type, version, payload)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise UnusableEvent(f"{event_type} v{version} payload does not parse: "
                                f"{_short(exc)}") from exc

    def parse(self, envelope: Envelope) -> Event[Payload]:
        """An envelope with its payload parsed; UnusableEvent when that cannot be done."""
        return Event(envelope, self.read(envelope.source, envelope.type, envelope.version,
                                         envelope.payload))

    def dump(self, payload: Payload) -> dict[str, Any]:
        """A payload as JSON data for the store, checked against its registered model."""
        model = type(payload)
        family = self._families.get((model.event_source, model.event_type))
        if family is None or family.model is not model:
            raise UnusableEvent(f"{model.__name__} is not the registered model of "
                                f"{model.event_type!r}")
        return payload.model_dump(mode="json")

    def check(self, source: str, event_type: str, version: int,
              payload: dict[str, Any]) -> dict[str, Any]:
        """A payload given as data, validated against its model and written out by it."""
        model = self.model(source, event_type)
        if version != model.event_version:
            raise UnusableEvent(f"{event_type} is appended at version {model.event_version}, "
                                f"not {version}")
        extra = sorted(set(payload) - set(model.model_fields))
        if extra:
            raise UnusableEvent(f"{event_type} has no field(s) {', '.join(extra)}")
        try:
            return model.model_validate(payload).model_dump(mode="json")
        except ValidationError as exc:
            raise UnusableEvent(f"{event_type} payload does not parse: {_short(exc)}") from exc


def _short(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
    return "; ".join(parts)


REGISTRY = Registry()


def contract(source: str) -> Callable[..., Callable[[M], M]]:
    """The decorator of one producer's event models: `event = contract("intake")`, then
    `@event("ApplicationSubmitted", version=1)` on each model."""

    def event(event_type: str, *, version: int = 1) -> Callable[[M], M]:
        def register(model: M) -> M:
            model.event_source = source
            model.event_type = event_type
            model.event_version = version
            REGISTRY.register(model)
            return model

        return register

    return event
