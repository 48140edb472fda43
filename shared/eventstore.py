"""The append-only event store with its transactional outbox, and the hash-chain check."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.contracts import REGISTRY, Payload, Registry, UnusableEvent
from shared.envelope import GENESIS_HASH, Actor, Envelope, new_event_id
from shared.errors import VersionConflict

if TYPE_CHECKING:
    from shared.personal.vault import Vault

STREAM_ID = re.compile(r"^[A-Za-z0-9_\-]{1,200}\Z")  # \Z: `$` would admit a final newline


class ConcurrencyConflict(VersionConflict):
    """The stream moved on since it was read: someone else appended first."""

    def __init__(self, stream_id: str, expected: int | None, actual: int | None = None) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual}, not {expected}"
            if actual is not None
            else f"stream {stream_id} was appended to concurrently",
            current_version=actual,
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class EventStore:
    """Appends events with their outbox rows in the caller's transaction; reads streams back.

    With a vault (shared.personal), personal fields are sealed before an event is hashed and
    stored, and opened again when a stream is read.
    """

    def __init__(self, metadata: MetaData, source: str, registry: Registry = REGISTRY,
                 vault: Vault | None = None) -> None:
        self.events = metadata.tables["events"]
        self.outbox = metadata.tables["outbox"]
        self.source = source
        self.registry = registry
        self.vault = vault

    async def head(self, session: AsyncSession, stream_id: str) -> tuple[int, str]:
        """The stream's current version and last hash (0 and the genesis hash when empty)."""
        row = (
            await session.execute(
                select(self.events.c.stream_version, self.events.c.hash)
                .where(self.events.c.stream_id == stream_id)
                .order_by(self.events.c.stream_version.desc())
                .limit(1)
            )
        ).first()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    async def read(self, session: AsyncSession, stream_id: str) -> list[Envelope]:
        """Every event of one stream, in order, personal fields opened (or erased)."""
        rows = await session.execute(
            select(self.events.c.body)
            .where(self.events.c.stream_id == stream_id)
            .order_by(self.events.c.stream_version)
        )
        envelopes = [Envelope.parse(body) for (body,) in rows]
        if self.vault is None:
            return envelopes
        return await self.vault.open_envelopes(envelopes, fetch=False)

    async def append(
        self,
        session: AsyncSession,
        stream_id: str,
        new_events: Sequence[Payload],
        *,
        actor: Actor,
        occurred_at: datetime | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        expected_version: int | None = None,
    ) -> list[Envelope]:
        """Record events on a stream and queue them for publishing, in the open transaction.

        Each payload is checked against its registered contract. `occurred_at` is the business
        time of all of them (default: now). `expected_version` is the version the caller's
        decision was based on; None appends after whatever is there. Either way the primary key
        refuses a concurrent append.
        """
        if not STREAM_ID.match(stream_id):
            raise ValueError(f"invalid stream id {stream_id!r}")
        if not new_events:
            return []
        if expected_version == 0:
            # A new stream: no read needed, the primary key refuses it if it exists already.
            version, prev_hash = 0, GENESIS_HASH
        else:
            version, prev_hash = await self.head(session, stream_id)
            if expected_version is not None and version != expected_version:
                raise ConcurrencyConflict(stream_id, expected_version, version)
        now = utcnow()
        correlation = correlation_id or new_event_id()
        sealed: list[tuple[Envelope, str]] = []
        for new in new_events:
            version += 1
            data = self._checked(new)
            if self.vault is not None:
                # Sealed before hashing: the chain covers the ciphertext, so deleting a key
                # later erases the field without changing a stored event.
                data = await self.vault.seal(type(new), data)
            envelope, body = Envelope(
                event_id=new_event_id(),
                type=new.event_type,
                version=new.event_version,
                source=self.source,
                stream_id=stream_id,
                stream_version=version,
                occurred_at=occurred_at or now,
                recorded_at=now,
                actor=actor,
                correlation_id=correlation,
                causation_id=causation_id,
                payload=data,
                prev_hash=prev_hash,
            ).seal()
            prev_hash = envelope.hash
            sealed.append((envelope, body))
        await self.write(session, sealed)
        return [env for env, _ in sealed]

    def _checked(self, new: Payload) -> dict[str, Any]:
        """An event's payload as stored, checked against its registered contract."""
        if new.event_source != self.source:
            raise UnusableEvent(f"{new.event_type} is {new.event_source}'s event, not "
                                f"{self.source}'s")
        return self.registry.dump(new)

    async def write(self, session: AsyncSession,
                    envelopes: Iterable[tuple[Envelope, str]]) -> None:
        """Insert sealed envelopes (each with its stored text) and their outbox rows; a taken
        version is a conflict."""
        rows, outbox = [], []
        for env, body in envelopes:
            rows.append({
                "stream_id": env.stream_id, "stream_version": env.stream_version,
                "event_id": env.event_id, "type": env.type, "recorded_at": env.recorded_at,
                "hash": env.hash, "body": body,
            })
            outbox.append({"event_id": env.event_id, "subject": env.subject, "body": body})
        # No SAVEPOINT here: pysqlite's SAVEPOINTs can commit the outer transaction. A taken
        # version fails the statement, and the caller's transaction is rolled back whole.
        try:
            await session.execute(insert(self.events), rows)
        except IntegrityError as exc:
            raise ConcurrencyConflict(str(rows[0]["stream_id"]), None) from exc
        await session.execute(insert(self.outbox), outbox)


@dataclass(frozen=True)
class BrokenLink:
    """The first place a stream's hash chain does not hold."""

    stream_id: str
    stream_version: int
    reason: str

    def __str__(self) -> str:
        return f"stream {self.stream_id} version {self.stream_version}: {self.reason}"


def verify_chain(stream_id: str, rows: Iterable[tuple[int, str, str]]) -> BrokenLink | None:
    """Check one stream's rows `(stream_version, hash, body)` in version order."""
    expected_version, prev_hash = 1, GENESIS_HASH
    for version, stored_hash, body in rows:
        if version != expected_version:
            return BrokenLink(stream_id, expected_version, f"missing; next stored is {version}")
        try:
            env = Envelope.parse(body)
        except ValueError as exc:
            return BrokenLink(stream_id, version, f"body does not parse: {exc}")
        if env.stream_id != stream_id or env.stream_version != version:
            return BrokenLink(stream_id, version, "body names another stream position")
        if env.prev_hash != prev_hash:
            return BrokenLink(stream_id, version, "does not follow its predecessor's hash")
        if env.compute_hash() != env.hash or env.hash != stored_hash:
            return BrokenLink(stream_id, version, "content does not match its hash")
        prev_hash = env.hash
        expected_version += 1
    return None


async def verify_store(session: AsyncSession, metadata: MetaData) -> tuple[int, list[BrokenLink]]:
    """Check every stream in one service's store: (streams checked, first break of each)."""
    events = metadata.tables["events"]
    result = await session.stream(
        select(events.c.stream_id, events.c.stream_version, events.c.hash, events.c.body)
        .order_by(events.c.stream_id, events.c.stream_version)
    )
    broken: list[BrokenLink] = []
    streams = 0
    current: str | None = None
    chunk: list[tuple[int, str, str]] = []

    def flush() -> None:
        if current is not None:
            link = verify_chain(current, chunk)
            if link:
                broken.append(link)

    async for stream_id, version, stored_hash, body in result:
        if stream_id != current:
            flush()
            current, chunk = stream_id, []
            streams += 1
        chunk.append((version, stored_hash, body))
    flush()
    return streams, broken
