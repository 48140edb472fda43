"""Aggregates: state folded from a stream's events, and commands decided on it.

A service's domain defines, per aggregate, an initial state, a pure `evolve(state, payload)`
and pure `decide` functions returning the payloads of new events. A handler then runs one
command as: load (fold the stream), decide, append (the stream version read is the expected
version, so a concurrent change is a VersionConflict), evolve with what was appended, and update
the read models from the new state, all in one transaction: state and events cannot drift.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import REGISTRY, Payload
from shared.envelope import Actor, Envelope
from shared.errors import VersionConflict
from shared.eventstore import EventStore

S = TypeVar("S")


@dataclass(frozen=True)
class Aggregate(Generic[S]):
    """How one kind of state is folded from its events; events of other kinds leave it be."""

    name: str
    initial: S
    evolve: Callable[[S, Payload], S]

    def fold(self, events: Iterable[Payload], state: S | None = None) -> S:
        """The state after these events (from the initial state unless one is given)."""
        current = self.initial if state is None else state
        for event in events:
            current = self.evolve(current, event)
        return current


@dataclass(frozen=True)
class Loaded(Generic[S]):
    """A state as folded from its stream, and the stream version it was read at."""

    state: S
    version: int


@dataclass(frozen=True)
class Decided(Generic[S]):
    """What a command did: the state after it and the envelopes it appended."""

    state: S
    recorded: list[Envelope]

    @property
    def version(self) -> int:
        """The stream version after the command (unchanged when it appended nothing)."""
        return self.recorded[-1].stream_version if self.recorded else -1


async def load(session: AsyncSession, store: EventStore, aggregate: Aggregate[S],
               stream_id: str) -> Loaded[S]:
    """Fold a stream's events (read through their contracts, upcast) into the state."""
    envelopes = await store.read(session, stream_id)
    state = aggregate.fold(REGISTRY.parse(env).payload for env in envelopes)
    return Loaded(state, envelopes[-1].stream_version if envelopes else 0)


def check_version(loaded: Loaded[S], if_match: int | None, what: str) -> None:
    """Refuse a command based on an older version than the current one (`If-Match`)."""
    if if_match is not None and if_match != loaded.version:
        raise VersionConflict(f"the {what} is at version {loaded.version}, not {if_match}; "
                              "reload it and retry", current_version=loaded.version)


async def execute(
    session: AsyncSession, store: EventStore, aggregate: Aggregate[S], stream_id: str,
    decide: Callable[[S], Sequence[Payload]], *, actor: Actor,
    occurred_at: datetime | None = None, correlation_id: str | None = None,
    causation_id: str | None = None, if_match: int | None = None,
    project: Callable[[AsyncSession, S, list[Envelope]], Awaitable[None]] | None = None,
) -> Decided[S]:
    """Load, decide, append and project one command in the caller's transaction."""
    loaded = await load(session, store, aggregate, stream_id)
    check_version(loaded, if_match, aggregate.name)
    new = list(decide(loaded.state))
    if not new:
        return Decided(loaded.state, [])
    recorded = await store.append(session, stream_id, new, actor=actor, occurred_at=occurred_at,
                                  correlation_id=correlation_id, causation_id=causation_id,
                                  expected_version=loaded.version)
    state = aggregate.fold(new, loaded.state)
    if project is not None:
        await project(session, state, recorded)
    return Decided(state, recorded)
