"""Screening: which active denials of other states are for an essentially identical transaction.

Same destination, the same entity as end user or consignee on either side (every name of a party
compared: its name and its aliases), and the same rating or the same rating family; each match
says why in words, which names matched, with a score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.denials.domain.validity import is_active
from services.denials.matching import PreparedName, explain_match
from services.denials.ratings import rating_relation


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
    end_user_aliases: tuple[PreparedName, ...] = ()
    consignee_aliases: tuple[PreparedName, ...] = ()


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
    end_user_aliases: tuple[PreparedName, ...] = ()
    consignee_aliases: tuple[PreparedName, ...] = ()


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


def _names(party: Screening | Candidate, side: str) -> list[tuple[PreparedName, str]]:
    """Every name of one side, the name first, each with how a reason quotes it."""
    main = party.end_user if side == "end_user" else party.consignee
    if main is None:
        return []
    aliases = party.end_user_aliases if side == "end_user" else party.consignee_aliases
    return [(main, f"'{main.raw}'"),
            *((a, f"'{a.raw}' (alias of '{main.raw}')") for a in aliases)]


def _same_party(query: Screening, cand: Candidate) -> tuple[float, str] | None:
    """The best pair of names that are one entity, as (score, reason), over every side."""
    best: tuple[float, str] | None = None
    for mine, theirs, label in _ROLES:
        their_label = "end user" if theirs == "end_user" else "consignee"
        word = label if their_label == label else f"{label} = denied {their_label}:"
        for a, quoted_a in _names(query, mine):
            for b, quoted_b in _names(cand, theirs):
                # Only whether they are one entity matters here, not how alike other names are.
                found = explain_match(a, b)
                # The first best stands: a party's own name before its aliases.
                if found is not None and (best is None or found.score > best[0]):
                    best = (found.score, f"{word} {quoted_a} = {quoted_b} "
                                         f"({found.score:.2f}: {found.explain()})")
    return best


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
    best = _same_party(query, cand)
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
