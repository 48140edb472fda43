"""EVENTS.md, written from the registry: `python -m shared.contracts.catalogue > EVENTS.md`.

A test fails when the committed file differs from what this writes, so the catalogue cannot
drift from the contracts.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

import shared.contracts  # noqa: F401 - registers every producer's contracts
from shared.contracts.base import REGISTRY, Payload, PersonalData

HEADER = """# Event catalogue

Written by `python -m shared.contracts.catalogue` from the contracts in `shared/contracts/`
(`make events`); do not edit by hand. Every event travels in one envelope
(`shared/envelope.py`): `event_id`, `type`, `version`, `source` (the producing service),
`stream_id`, `stream_version`, `occurred_at` (business time), `recorded_at` (system time),
`actor {sub, roles, state}`, `correlation_id`, `causation_id`, `payload`, `prev_hash`, `hash`.

In payloads money is a decimal string with two decimals, a day `YYYY-MM-DD`, an instant ISO 8601
with its offset, a country ISO 3166-1 alpha-2. A field marked *optional* may be absent or null in
stored events; **personal** marks personal data. Adding an optional field keeps an event's
version; any other change bumps it and adds an `upcast_vN_vN+1` to the model, which reads stored
older events as the newest version, live and in a rebuild.

## Subjects
One JetStream stream (`LICENSING`) holds the whole log under `lic.>`. The subject of an event is
`lic.<source>.<stream_id>.<type>`; stream ids never contain dots. Everything about one
application uses the application id as `stream_id` in every service, so `lic.*.<id>.*` reads one
licence's whole life across services. Consumers filter by source (`lic.intake.>`, ...).
"""


def render() -> str:
    """The whole catalogue as Markdown."""
    parts = [HEADER]
    by_source: dict[str, list[type[Payload]]] = {}
    for model in REGISTRY:
        if not model.__module__.startswith("shared.contracts."):
            continue  # made-up producers registered by tests
        by_source.setdefault(model.event_source, []).append(model)
    for source in sorted(by_source):
        parts.append(f"\n## {source}\n")
        for model in by_source[source]:
            parts.append(_event(model))
    return "".join(parts)


def _event(model: type[Payload]) -> str:
    doc = " ".join((model.__doc__ or "").split())
    lines = [f"\n### `{model.event_type}` (version {model.event_version})\n",
             f"{doc}\n", f"Stream: {model.stream_doc or 'not stated'}.\n",
             "| field | type | |", "|---|---|---|"]
    lines += [f"| `{name}` | {kind} | {notes} |" for name, kind, notes in _fields(model, "")]
    steps = sorted(n for n in dir(model) if n.startswith("upcast_v"))
    if steps:
        lines += ["", "Reads older versions through " + ", ".join(f"`{s}`" for s in steps) + "."]
    if model.examples:
        lines += ["", "```json", json.dumps(model.examples[0], ensure_ascii=False), "```"]
    return "\n".join(lines) + "\n"


def _fields(model: type[BaseModel], prefix: str) -> Iterable[tuple[str, str, str]]:
    for name, info in model.model_fields.items():
        notes = []
        if not info.is_required():
            notes.append("*optional*")
        personal = _personal(info)
        if personal is not None:
            notes.append("**personal**" + (f" when `{personal.when[0]}` is "
                                           f"`{personal.when[1]}`" if personal.when else ""))
        yield f"{prefix}{name}", _type_name(info.annotation), " ".join(notes)
        nested = _nested_model(info.annotation)
        if nested is not None:
            yield from _fields(nested, f"{prefix}{name}.")


def _personal(info: FieldInfo) -> PersonalData | None:
    return next((m for m in info.metadata if isinstance(m, PersonalData)), None)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _nested_model(arg)
        if inner is not None:
            return inner
    return None


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (types.UnionType, typing.Union):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " \\| ".join(names) + (" \\| null" if type(None) in args else "")
    if origin is typing.Literal:
        return " \\| ".join(f'"{a}"' for a in args)
    if origin in (list, tuple):
        if args and _nested_model(args[0]) is not None:
            return "list of objects"
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "object"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    if isinstance(annotation, type):
        return {"str": "text", "int": "integer", "float": "number", "bool": "boolean",
                "date": "day", "datetime": "instant", "AwareDatetime": "instant",
                "Decimal": "money"}.get(
            annotation.__name__, annotation.__name__)
    return str(annotation)


def main() -> None:
    """Print the catalogue."""
    print(render(), end="")


if __name__ == "__main__":
    main()
