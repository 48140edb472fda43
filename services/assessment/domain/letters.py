"""Periodic letters to parliament: a letter lists the licences it reports (Ukraine in 2024),
and each listed licence whose notice waits is thereby sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.assessment.domain.licence import Licence, mark_sent
from shared.contracts import Payload
from shared.contracts.assessment import LetterKind, ParliamentLetterSent
from shared.errors import FieldError, Invalid


@dataclass(frozen=True)
class Letter:
    """What a letter decides: its own event, and the events on each listed licence's stream."""

    sent: ParliamentLetterSent
    notices: Mapping[str, list[Payload]]  # licence number -> events on its stream


def send_letter(letter_id: str, *, reference: str, sent_on: dt.date, destination: str | None,
                licence_numbers: Sequence[str], note: str | None,
                licences: Mapping[str, Licence], today: dt.date,
                kind: LetterKind = "periodic_letter") -> Letter:
    """Record a letter sent to parliament; every listed licence with a notice not yet sent is
    reported by it (a licence already reported stays as it was). A periodic letter lists at
    least one licence; a defence surplus notice may come before any licence exists."""
    if sent_on > today:
        raise Invalid("sent_on lies in the future")
    numbers = list(dict.fromkeys(licence_numbers))
    if not numbers and kind == "periodic_letter":
        raise Invalid("a periodic letter lists at least one licence",
                      errors=[FieldError(("body", "licence_numbers"), "empty")])
    unknown = [n for n in numbers if licences.get(n) is None or licences[n].issued is None]
    if unknown:
        raise Invalid(f"licence_numbers: no licence {', '.join(unknown)}",
                      errors=[FieldError(("body", "licence_numbers"),
                                         f"unknown: {', '.join(unknown)}")])
    notices: dict[str, list[Payload]] = {}
    for number in numbers:
        notice = licences[number].notification
        if notice is None or notice.sent_on is not None:
            continue
        notices[number] = mark_sent(licences[number], notice.due.id, sent_on=sent_on,
                                    letter_reference=reference)
    return Letter(sent=ParliamentLetterSent(id=letter_id, reference=reference, sent_on=sent_on,
                                            destination=destination, licence_numbers=numbers,
                                            note=note, kind=kind),
                  notices=notices)
