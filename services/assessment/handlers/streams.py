"""An application's stream in assessment's store: read and folded into its case and licence,
and new events appended at the version they were decided on, with the read models projected
from the state they lead to, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.domain import dossier
from services.assessment.domain.dossier import Dossier
from services.assessment.domain.recorded import Recorded, fold
from services.assessment.handlers import db
from services.assessment.handlers.context import Context
from shared.aggregate import Decided, Loaded, check_version
from shared.auth import Principal
from shared.contracts import REGISTRY, Payload
from shared.envelope import Actor, Envelope
from shared.errors import NotFound


def recorded(envelope: Envelope) -> Recorded[Payload]:
    """An envelope as the fold sees it: its payload read through its contract, who and when."""
    return Recorded(REGISTRY.parse(envelope).payload, recorded_at=envelope.recorded_at,
                    occurred_at=envelope.occurred_at, by=envelope.actor.sub,
                    caused_by=envelope.causation_id, event_id=envelope.event_id)


async def read(ctx: Context, session: AsyncSession, stream_id: str
               ) -> tuple[list[Envelope], Loaded[Dossier]]:
    """The stream's envelopes, and the case and licence folded from them."""
    envelopes = await ctx.runtime.store.read(session, stream_id)
    state = fold(dossier.evolve, Dossier(), (recorded(env) for env in envelopes))
    return envelopes, Loaded(state, envelopes[-1].stream_version if envelopes else 0)


async def load(ctx: Context, session: AsyncSession, stream_id: str) -> Loaded[Dossier]:
    """The case and licence of an application's stream (empty ones for an unknown stream)."""
    _envelopes, loaded = await read(ctx, session, stream_id)
    return loaded


async def load_case(ctx: Context, session: AsyncSession, case_id: str) -> Loaded[Dossier]:
    """The stream of a case that exists, or NotFound."""
    loaded = await load(ctx, session, case_id)
    if loaded.state.case.status == "new":
        raise NotFound(f"no case {case_id}")
    return loaded


async def record(ctx: Context, session: AsyncSession, stream_id: str, loaded: Loaded[Dossier],
                 new: Sequence[Payload], *, actor: Actor, occurred_at: dt.datetime | None = None,
                 correlation_id: str | None = None, causation_id: str | None = None
                 ) -> Decided[Dossier]:
    """Append what a command decided, fold it, and write the read models from the new state."""
    if not new:
        return Decided(loaded.state, [])
    envelopes = await ctx.runtime.store.append(
        session, stream_id, new, actor=actor, occurred_at=occurred_at,
        correlation_id=correlation_id, causation_id=causation_id,
        expected_version=loaded.version)
    # Folded from the envelopes as stored (read back through the contracts), so the read
    # models hold exactly what a later fold of the stream gives.
    # Personal fields opened (they are sealed as stored), so the read models can seal them
    # again under the key that still exists, rather than keep them as erased.
    opened = await ctx.runtime.vault.open_envelopes(envelopes, fetch=False)
    after = fold(dossier.evolve, loaded.state, (recorded(env) for env in opened))
    await db.project(session, loaded.state, after, envelopes[-1].stream_version,
                     vault=ctx.runtime.vault)
    return Decided(after, envelopes)


async def command(ctx: Context, who: Principal, case_id: str, if_match: int | None,
                  decide: Callable[[Dossier], Sequence[Payload]]) -> Decided[Dossier]:
    """One caller's command on a case in its own transaction: load, check the version the
    caller saw (`If-Match`), decide, append, project."""
    async with ctx.runtime.transaction() as session:
        loaded = await load_case(ctx, session, case_id)
        check_version(loaded, if_match, "case")
        return await record(ctx, session, case_id, loaded, decide(loaded.state),
                            actor=who.as_actor())
