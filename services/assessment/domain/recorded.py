"""An event as a fold sees it: its payload, and when and by whom it was recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.contracts import Payload

P = TypeVar("P", bound=Payload)
S = TypeVar("S")


@dataclass(frozen=True)
class Recorded(Generic[P]):
    """A recorded event: what happened (`payload`), and the facts of its recording.

    The case shows who recorded a finding or a dismissal and when, so a fold needs more than
    the payload. `caused_by` is the event of another service this one answers (a dismissal
    ruled in the denials registry), None for a command of this service.
    """

    payload: P
    recorded_at: dt.datetime
    occurred_at: dt.datetime
    by: str
    caused_by: str | None = None
    event_id: str = ""


Evolve = Callable[[S, Recorded[Payload]], S]


def fold(evolve: Evolve[S], state: S, events: Iterable[Recorded[Payload]]) -> S:
    """The state after these events, from `state`."""
    for event in events:
        state = evolve(state, event)
    return state
