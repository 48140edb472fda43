"""Reading personal data is itself recorded: who read whose data, when, through which route.

The record goes to the service's log (logger `licensing.personal.access`), never into the
events: a read changes nothing, and a log of reads names the reader, which the event log has
no business keeping. The API layer calls `log_access` when it returns a document in which
personal fields were opened, with the subjects whose fields it shows (`opened_subjects` finds
them in contract payloads); an erased field is not a read of anyone's data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pydantic import BaseModel

from shared.clock import utcnow
from shared.personal.fields import slots

log = logging.getLogger("licensing.personal.access")


def opened_subjects(*payloads: BaseModel) -> set[str]:
    """The subjects whose personal fields are readable (not erased) in these payloads."""
    found: set[str] = set()
    for payload in payloads:
        found.update(slot.subject for slot in slots(type(payload), payload.model_dump(mode="json"))
                     if slot.subject is not None)
    return found


def log_access(*, principal: str, route: str, subjects: Iterable[str]) -> None:
    """Record that `principal` was shown the personal data of `subjects` through `route`."""
    shown = sorted(set(subjects))
    if not shown:
        return
    at = utcnow().isoformat()
    log.info("personal data read by %s via %s at %s: %s", principal, route, at, ", ".join(shown),
             extra={"personal_access": {"principal": principal, "route": route, "at": at,
                                        "subjects": shown}})
