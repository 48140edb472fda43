"""The rules of the registry: validity, screening, and who may do what in a consultation; pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from services.denials.matching import PreparedName, explain_match
from services.denials.ratings import rating_relation

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class DomainError(Exception):
    """A command the rules refuse; the API maps each kind to a status."""

    status = 409
    title = "Conflict"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    """Nothing by that id, or nothing the caller may see (the same answer, on purpose)."""

    status = 404
    title = "Not found"


class NotAllowed(DomainError):
    """The caller is a party but not the one the rule names."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """The command does not fit the current state."""


class Invalid(DomainError):
    """The command is well-formed but makes no sense (a date in the future, ...)."""

    status = 422
    title = "Invalid request"


def business_date(moment: dt.datetime) -> dt.date:
    """The calendar date of a moment in Europe/Amsterdam."""
    return moment.astimezone(AMSTERDAM).date()


def expires_on(denied_on: dt.date, years: int) -> dt.date:
    """The first day a denial is no longer active: its anniversary `years` on (29 Feb: 1 Mar)."""
    try:
        return denied_on.replace(year=denied_on.year + years)
    except ValueError:
        return dt.date(denied_on.year + years, 3, 1)


def is_active(*, denied_on: dt.date, expires: dt.date, revoked_on: dt.date | None,
              on: dt.date) -> bool:
    """Active from `denied_on` up to the day before expiry, unless revoked by then."""
    if revoked_on is not None and revoked_on <= on:
        return False
    return denied_on <= on < expires


# -- screening ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Screening:
    """What an application looks like to the registry: where to, to whom, what."""

    destination: str
    end_user: PreparedName
    consignee: PreparedName | None
    rating: str | None
    on: dt.date
    state: str | None  # the asking state: its own denials are never a match
    dismissed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """An active denial for the destination, with its names prepared."""

    id: str
    state: str
    destination: str
    ratings: tuple[str | None, ...]
    end_user: PreparedName
    consignee: PreparedName | None
    denied_on: dt.date
    expires: dt.date
    revoked_on: dt.date | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """A denial of an essentially identical transaction, how sure, and why in words."""

    denial_id: str
    state: str
    score: float
    reasons: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"denial_id": self.denial_id, "state": self.state, "score": self.score,
                "reasons": list(self.reasons), **self.extra}


# Which side of the application is compared with which side of the denial, and how it reads.
_ROLES = (("end_user", "end_user", "end user"), ("end_user", "consignee", "end user"),
          ("consignee", "consignee", "consignee"), ("consignee", "end_user", "consignee"))


def match_one(query: Screening, cand: Candidate) -> Match | None:
    """The match between an application and one denial, or None when not essentially identical."""
    if cand.id in query.dismissed or cand.state == query.state:
        return None
    if cand.destination != query.destination:
        return None
    if not is_active(denied_on=cand.denied_on, expires=cand.expires, revoked_on=cand.revoked_on,
                     on=query.on):
        return None
    relations = [r for d in cand.ratings if (r := rating_relation(query.rating, d)) is not None]
    if not relations:
        return None
    rating_reason, exact = max(relations, key=lambda r: r[1])
    best: tuple[float, str] | None = None
    for mine, theirs, label in _ROLES:
        a = query.end_user if mine == "end_user" else query.consignee
        b = cand.end_user if theirs == "end_user" else cand.consignee
        if a is None or b is None:
            continue
        # Only whether they are one entity matters here, not how alike other names are.
        found = explain_match(a, b)
        if found is None:
            continue
        score = found.score
        their_label = "end user" if theirs == "end_user" else "consignee"
        word = label if their_label == label else f"{label} = denied {their_label}:"
        text = f"{word} '{a.raw}' = '{b.raw}' ({score:.2f}: {found.explain()})"
        if best is None or score > best[0]:
            best = (score, text)
    if best is None:
        return None
    score = round(best[0] * (1.0 if exact else 0.95), 2)
    reasons = (f"same destination {query.destination}", best[1], rating_reason)
    return Match(denial_id=cand.id, state=cand.state, score=score, reasons=reasons,
                 extra=cand.extra)


def screen(query: Screening, candidates: Iterable[Candidate]) -> list[Match]:
    """Every candidate denial of an essentially identical transaction, best first."""
    found = [m for c in candidates if (m := match_one(query, c)) is not None]
    found.sort(key=lambda m: (-m.score, m.denial_id))
    return found


# -- consultations -------------------------------------------------------------------------


def consultation_status(status: str, due_by: dt.date, today: dt.date) -> str:
    """The status shown: `overdue` is an open consultation past its due date."""
    if status == "open" and today > due_by:
        return "overdue"
    return status


def party(consultation: dict[str, Any], state: str | None) -> str | None:
    """Which party a state is to a consultation (`consulting`/`denying`), or None."""
    if state is None:
        return None
    if consultation["consulting_state"] == state:
        return "consulting"
    if consultation["denying_state"] == state:
        return "denying"
    return None


def check_reply(consultation: dict[str, Any], state: str | None) -> None:
    """Only the denying state replies, and only while the consultation is open."""
    who = party(consultation, state)
    if who is None:
        raise NotFound(f"no consultation {consultation['id']}")
    if who != "denying":
        raise NotAllowed("only the denying state "
                         f"{consultation['denying_state']} may reply to this consultation")
    if consultation["status"] != "open":
        raise Conflict(f"the consultation is {consultation['status']}; it was already answered")


def check_outcome(consultation: dict[str, Any], state: str | None) -> None:
    """Only the consulting state records the outcome, once."""
    who = party(consultation, state)
    if who is None:
        raise NotFound(f"no consultation {consultation['id']}")
    if who != "consulting":
        raise NotAllowed("only the consulting state "
                         f"{consultation['consulting_state']} may record the outcome")
    if consultation["status"] == "closed":
        raise Conflict("the consultation is closed; its outcome was "
                       f"{consultation.get('decision')}")
