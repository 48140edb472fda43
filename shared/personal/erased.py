"""How a personal field reads once its key is gone: an `Erased` text that knows its subject.

An event's personal fields are stored sealed (`{"$sealed": 1, ...}`, see shared.personal.crypto).
Reading opens them while their data subject's key exists; once the key is deleted, a field
reads as `Erased`: a `str` (so every model and every consumer that takes the field as text
keeps working) whose text is `[erased]`, with `subject` and `is_erased` to tell it apart.

The contract type `PersonalText` (shared.contracts.types) keeps an `Erased` through pydantic
validation (pydantic turns a `str` subclass into a plain `str` otherwise), reads a sealed or
erased value that was never opened as `Erased` too, and writes an `Erased` back out in JSON as
`{"$erased": 1, "subject": ...}`, so an erased field copied into another event stays erased.
This module imports nothing of the project: the contracts depend on it.
"""

from __future__ import annotations

from typing import Any

from pydantic import SerializerFunctionWrapHandler, ValidatorFunctionWrapHandler
from pydantic_core.core_schema import SerializationInfo

ERASED_TEXT = "[erased]"
SEALED = "$sealed"
ERASED = "$erased"


class Erased(str):
    """A personal field whose data subject's key is gone: the text `[erased]`, and its subject."""

    is_erased = True
    subject: str | None

    def __new__(cls, subject: str | None) -> Erased:
        value = super().__new__(cls, ERASED_TEXT)
        value.subject = subject
        return value

    def __getnewargs__(self) -> tuple[str | None]:  # type: ignore[override]
        # copy, deepcopy and pickle rebuild it from its subject, not from its text.
        return (self.subject,)

    def __repr__(self) -> str:
        return f"Erased(subject={self.subject!r})"

    def marker(self) -> dict[str, Any]:
        """The JSON form of an erased field in a stored or shown payload."""
        return {ERASED: 1, "subject": self.subject}


def is_erased(value: object) -> bool:
    """Whether a value is a personal field that reads as erased."""
    return isinstance(value, Erased)


def is_sealed(value: object) -> bool:
    """Whether a JSON value is a sealed personal field."""
    return isinstance(value, dict) and value.get(SEALED) == 1


def is_erased_marker(value: object) -> bool:
    """Whether a JSON value is the `{"$erased": 1, ...}` form of an erased field."""
    return isinstance(value, dict) and value.get(ERASED) == 1


def keep_erased(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validate a personal text field: an erased or still sealed value reads as `Erased`."""
    if isinstance(value, Erased):
        return value
    if is_sealed(value) or is_erased_marker(value):
        subject = value.get("subject")
        return Erased(subject if isinstance(subject, str) else None)
    return handler(value)


def write_erased(value: Any, handler: SerializerFunctionWrapHandler,
                 info: SerializationInfo) -> Any:
    """Serialise a personal text field: in JSON an `Erased` is written as its marker."""
    if isinstance(value, Erased) and info.mode_is_json():
        return value.marker()
    return handler(value)
