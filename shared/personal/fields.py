"""Where the personal fields of a payload are: read from the contracts' `PersonalData` marks.

Sealing is driven by the contract: a field marked `PersonalData` (on the payload or on a value
inside it, in a list or not) whose `when` condition holds and whose object names a `subject`
is sealed. Opening is driven by the data: every `{"$sealed": 1}` object in a stored payload
is opened where it lies, before any upcasting, so a later version of a contract that moves a
field still reads the old events (the associated data names the path as stored).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from shared.contracts.base import PersonalData
from shared.personal.erased import is_sealed

SUBJECT_FIELD = "subject"


@dataclass(frozen=True)
class Plan:
    """The personal fields of one model, and the fields leading to models that have some."""

    personal: tuple[tuple[str, PersonalData], ...]
    nested: tuple[tuple[str, Plan], ...]


@dataclass(frozen=True)
class Slot:
    """One personal field of a payload's data that holds text: where it is and whose it is."""

    holder: dict[str, Any]
    name: str
    path: str
    subject: str | None


def _marker(info: Any) -> PersonalData | None:
    return next((m for m in info.metadata if isinstance(m, PersonalData)), None)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin in (typing.Annotated, types.UnionType, typing.Union, list, tuple):
        for arg in typing.get_args(annotation):
            yield from _models_in(arg)


@cache
def plan_of(model: type[BaseModel]) -> Plan | None:
    """Where a model's personal fields are; None when it has none, at any depth."""
    personal: list[tuple[str, PersonalData]] = []
    nested: list[tuple[str, Plan]] = []
    for name, info in model.model_fields.items():
        marker = _marker(info)
        if marker is not None:
            personal.append((name, marker))
            continue
        for inner in _models_in(info.annotation):
            plan = plan_of(inner)
            if plan is not None:
                nested.append((name, plan))
                break
    if not personal and not nested:
        return None
    return Plan(tuple(personal), tuple(nested))


def slots(model: type[BaseModel], data: dict[str, Any]) -> list[Slot]:
    """The personal fields of a payload's JSON data that apply and hold text, in order."""
    plan = plan_of(model)
    found: list[Slot] = []
    if plan is not None:
        _collect(plan, data, "", found)
    return found


def _collect(plan: Plan, data: Any, path: str, found: list[Slot]) -> None:
    if isinstance(data, list):
        for i, item in enumerate(data):
            _collect(plan, item, f"{path}.{i}" if path else str(i), found)
        return
    if not isinstance(data, dict):
        return
    subject = data.get(SUBJECT_FIELD)
    for name, marker in plan.personal:
        value = data.get(name)
        if not isinstance(value, str):
            continue
        if marker.when is not None and data.get(marker.when[0]) != marker.when[1]:
            continue
        found.append(Slot(data, name, f"{path}.{name}" if path else name,
                          subject if isinstance(subject, str) else None))
    for name, inner in plan.nested:
        _collect(inner, data.get(name), f"{path}.{name}" if path else name, found)


def sealed_in(data: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every sealed value in JSON data, with its path."""
    if is_sealed(data):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from sealed_in(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from sealed_in(value, f"{path}.{i}" if path else str(i))


def replace_sealed(data: Any, opened: Callable[[str, dict[str, Any]], Any],
                   path: str = "") -> Any:
    """A copy of JSON data with each sealed value replaced by `opened(path, sealed)`."""
    if is_sealed(data):
        return opened(path, data)
    if isinstance(data, dict):
        return {k: replace_sealed(v, opened, f"{path}.{k}" if path else str(k))
                for k, v in data.items()}
    if isinstance(data, list):
        return [replace_sealed(v, opened, f"{path}.{i}" if path else str(i))
                for i, v in enumerate(data)]
    return data


def without_personal(model: type[BaseModel], data: dict[str, Any], text: str) -> dict[str, Any]:
    """A copy of a payload's JSON data with every personal field that applies replaced by
    `text`, whether it holds text, a sealed value or an erased marker: what a reader that must
    never depend on personal data (a report's aggregates) sees, the same before and after an
    erasure."""
    plan = plan_of(model)
    if plan is None:
        return data
    result = _without(plan, data, text)
    assert isinstance(result, dict)
    return result


def _without(plan: Plan, data: Any, text: str) -> Any:
    if isinstance(data, list):
        return [_without(plan, item, text) for item in data]
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, marker in plan.personal:
        if out.get(name) is None:
            continue
        if marker.when is not None and out.get(marker.when[0]) != marker.when[1]:
            continue
        out[name] = text
    for name, inner in plan.nested:
        if name in out:
            out[name] = _without(inner, out[name], text)
    return out
