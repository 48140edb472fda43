"""The one vocabulary of domain errors, with no HTTP in it.

Domain code and handlers raise these; `shared.problems` maps each kind to its problem+json
status in one table (404, 409, 403, 422, 503). `code` is the stable last part of the problem's
`type`; `extra` adds fields to the problem (a conflict names what is in the way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


class DomainError(Exception):
    """A command or query the rules refuse, in plain words."""

    code: ClassVar[str] = "conflict"
    title: ClassVar[str] = "Conflict"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = code or type(self).code
        self.extra = extra


class NotFound(DomainError):
    """Nothing by that id, or nothing the caller may see (the same answer, on purpose)."""

    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    """The command does not fit the current state."""

    code = "conflict"
    title = "Conflict"


class VersionConflict(Conflict):
    """The thing changed since the caller read it (a concurrent change, or a stale If-Match).

    `current_version` is the version now, when known: reload and retry.
    """

    code = "version-conflict"
    title = "Version conflict"

    def __init__(self, detail: str, *, current_version: int | None = None, **extra: Any) -> None:
        super().__init__(detail, current_version=current_version, **extra)
        self.current_version = current_version


class Forbidden(DomainError):
    """The caller is known but the rule names someone else."""

    code = "forbidden"
    title = "Forbidden"


@dataclass(frozen=True)
class FieldError:
    """One bad field: where it is in the request and what is wrong with it."""

    loc: tuple[str | int, ...]
    msg: str

    def as_dict(self) -> dict[str, Any]:
        """The `{loc, msg}` form of problem+json validation errors."""
        where = ".".join(str(p) for p in self.loc if p != "body")
        text = f"{where}: {self.msg}" if where else self.msg
        return {"loc": list(self.loc), "msg": text, "type": "value_error"}


class Invalid(DomainError):
    """Well formed, but against the rules (a date in the future, a rating of another regime).

    `errors` name each bad field when the error is about fields of the request.
    """

    code = "validation"
    title = "Invalid request"

    def __init__(self, detail: str | None = None, *, errors: Sequence[FieldError] = (),
                 code: str | None = None, **extra: Any) -> None:
        self.errors = list(errors)
        text = detail or "; ".join(e.as_dict()["msg"] for e in self.errors[:5]) or "invalid"
        super().__init__(text, code=code, **extra)


class Unavailable(DomainError):
    """Something the command needs is away for now; the same request may succeed later."""

    code = "unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int = 1, code: str | None = None,
                 **extra: Any) -> None:
        super().__init__(detail, code=code, **extra)
        self.retry_after = retry_after
