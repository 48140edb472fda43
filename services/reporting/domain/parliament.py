"""What parliament was told: the fast-track notices, and the register of documents sent."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from services.reporting.domain.facts import Facts
from services.reporting.domain.money import business_day, eur, money


def _notifications(facts: Facts) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out = []
    for (kind, _key), fact in sorted(facts.items()):
        if kind == "notification" and "due" in fact:
            out.append((fact["due"]["data"], fact.get("sent", {}).get("data", {})))
    return out


def _fast_track(due: dict[str, Any]) -> bool:
    # A notice of version 1 (and a fact kept before `kind` was) is a fast-track notice.
    return bool(due.get("kind", "fast_track") == "fast_track")


def fast_track(year: int, facts: Facts, withheld: Container[str]) -> list[dict[str, Any]]:
    """The fast-track notices of licences decided in the year (periodic letters are not),
    leaving out the licences withheld as confidential."""
    rows = []
    for due, sent in _notifications(facts):
        day = business_day(due.get("decided_on"))
        if (day is None or day.year != year or not _fast_track(due)
                or due.get("licence_number") in withheld):
            continue
        rows.append({"licence_number": due.get("licence_number"),
                     "destination": due.get("destination"),
                     "description": due.get("description"),
                     "value_eur": eur(money(due.get("value_eur"))),
                     "decided_on": day.isoformat(), "due_by": due.get("due_by"),
                     "sent_on": sent.get("sent_on")})
    rows.sort(key=lambda r: (r["decided_on"], str(r["licence_number"])))
    return rows


def documents(year: int, facts: Facts, withheld: Container[str]) -> list[dict[str, Any]]:
    """The register of documents sent to parliament in the year, in date order: each
    fast-track notice sent (with its explanation), each periodic letter (with the licences it
    reports, less those withheld as confidential) and each notice of the Ministry of Defence
    before a surplus sale. A notice answered by a letter is the letter's, not a document of its
    own."""
    rows = []
    for due, sent in _notifications(facts):
        day = business_day(sent.get("sent_on"))
        number = due.get("licence_number")
        if day is None or day.year != year or not _fast_track(due) or number in withheld:
            continue
        rows.append({"sent_on": day.isoformat(), "kind": "fast_track_notice",
                     "reference": sent.get("letter_reference") or number,
                     "destination": due.get("destination"), "licence_numbers": [number],
                     "explanation": sent.get("explanation")})
    for (kind, key), fact in sorted(facts.items()):
        if kind != "letter" or "sent" not in fact:
            continue
        letter = fact["sent"]["data"]
        day = business_day(letter.get("sent_on"))
        if day is None or day.year != year:
            continue
        # A letter recorded before letters had a kind is a periodic letter.
        rows.append({"sent_on": day.isoformat(),
                     "kind": str(letter.get("kind") or "periodic_letter"),
                     "reference": letter.get("reference") or key,
                     "destination": letter.get("destination"),
                     "licence_numbers": sorted(str(n) for n in letter.get("licence_numbers")
                                               or [] if n not in withheld),
                     "explanation": letter.get("note")})
    rows.sort(key=lambda r: (r["sent_on"], r["kind"], str(r["reference"])))
    return rows
