"""A service's key store: data keys per data subject, kept apart from events and the service.

Each service seals the personal fields of its own events under its own key for each data
subject, created on first use (`sealing_keys`). The keys live in the key store's database
(`LICENSING_<SVC>_KEYS_DB`, default `<data_dir>/<service>.keys.db`), which is mutable and is
neither the event log nor the service's database: deleting a subject's keys (`erase`) makes
every copy of their sealed fields unreadable, in the log, in the services, and in any backup
of a service's database restored later.

Services exchange keys through the JetStream key-value bucket `<stream>_KEYS` (`LICENSING_KEYS`;
history 1, outside the event log), in entries `<source>.<subject>.<key id>` holding the key
wrapped under a key derived from the installation's pepper. A new key is queued in the
`key_outbox` table in the same transaction that creates it, and the outbox relay pushes that
queue before it publishes any event (`push`), so a consumer finds the key when an event sealed
with it arrives; while NATS is down the key waits with the events. A service opening another's
sealed field fetches the key from the bucket once and keeps a copy (`opening_keys`). A purged
entry, or an erasure of the subject recorded here after the key was made, means erased; an
entry not there yet, and no erasure here, means wait (`KeyUnavailable`, a consumer retries).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import nats
from nats.js import JetStreamContext
from nats.js import api as js_api
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Bus
from shared.clock import utcnow
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.migrate import upgrade
from shared.errors import Unavailable
from shared.personal.crypto import (
    CannotOpen,
    exchange_key,
    new_key,
    new_key_id,
    unwrap_key,
    wrap_key,
)
from shared.personal.subjects import load_pepper
from shared.personal.tables import erasures, key_outbox, subject_keys
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
PUSH_BATCH = 256


class KeyRef(NamedTuple):
    """Which key sealed a value: the producing service's, for a subject, by its id."""

    source: str
    subject: str
    key_id: str

    @property
    def entry(self) -> str:
        """The key's entry in the key-value bucket."""
        return f"{self.source}.{self.subject}.{self.key_id}"


class KeyUnavailable(Unavailable):
    """A key needed to open a sealed field is not reachable yet (not erased): try again later."""

    code = "key-unavailable"
    title = "Key unavailable"


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time stored here was UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class KeyStore:
    """The data keys one service holds, its erasures, and its side of the key bucket."""

    def __init__(self, url: str, *, source: str, bus: Bus | None, bucket: str,
                 pepper: Callable[[], bytes]) -> None:
        self.url = url
        self.source = source
        self.bus = bus
        self.bucket = bucket
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self._pepper = pepper
        self._wrapping: bytes | None = None
        self._kv: tuple[JetStreamContext, KeyValue] | None = None
        # One creator at a time in this process, so concurrent appends about a new subject
        # share one key instead of each making its own.
        self._creating = asyncio.Lock()
        # One pusher at a time: a push that read a key before an erasure must not put it
        # after the erasure's purge went out.
        self._pushing = asyncio.Lock()

    @classmethod
    def for_service(cls, settings: ServiceSettings, bus: Bus | None) -> KeyStore:
        """The key store a service's settings describe."""
        return cls(settings.keys_database_url, source=settings.service, bus=bus,
                   bucket=f"{settings.nats_stream}_KEYS", pepper=lambda: load_pepper(settings))

    async def start(self) -> None:
        """Bring the key database to its newest schema (its own Alembic history)."""
        await upgrade(MIGRATIONS, self.url)

    async def close(self) -> None:
        """Close the key database's connections."""
        await self.engine.dispose()

    async def sealing_keys(self, subjects: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """This service's current key (id, key) for each subject, made where there is none.

        A new key is committed (and queued for the bucket) before it is used, so no event is
        ever stored sealed with a key that was not kept.
        """
        wanted = set(subjects)
        if not wanted:
            return {}
        async with self._creating, self.sessions() as session, session.begin():
            rows = await session.execute(
                select(subject_keys.c.subject, subject_keys.c.key_id, subject_keys.c.key)
                .where(subject_keys.c.source == self.source,
                       subject_keys.c.subject.in_(wanted))
                .order_by(subject_keys.c.created_at))
            found = {subject: (key_id, key) for subject, key_id, key in rows}  # newest wins
            missing = sorted(wanted - found.keys())
            if missing:
                now = utcnow()
                made = {subject: (new_key_id(), new_key()) for subject in missing}
                await session.execute(insert(subject_keys), [
                    {"source": self.source, "subject": subject, "key_id": key_id, "key": key,
                     "created_at": now} for subject, (key_id, key) in made.items()])
                await session.execute(insert(key_outbox), [
                    {"op": "put", "subject": subject, "key_id": key_id}
                    for subject, (key_id, _key) in made.items()])
                found.update(made)
        return found

    async def opening_keys(self, refs: Iterable[KeyRef], *, fetch: bool
                           ) -> dict[KeyRef, bytes | None]:
        """The key of each ref, None where it is erased.

        With `fetch`, another service's key not held here is fetched from the bucket and kept;
        KeyUnavailable when it is not there yet or NATS is away. Without, a key not held here
        reads as erased (this service's own keys are only ever gone by erasure).
        """
        wanted = set(refs)
        if not wanted:
            return {}
        subjects = {ref.subject for ref in wanted}
        async with self.sessions() as session:
            rows = await session.execute(
                select(subject_keys.c.source, subject_keys.c.subject, subject_keys.c.key_id,
                       subject_keys.c.key).where(subject_keys.c.subject.in_(subjects)))
            held = {KeyRef(source, subject, key_id): key for source, subject, key_id, key in rows}
            erased = await self._latest_erasures(session, subjects)
        result: dict[KeyRef, bytes | None] = {}
        for ref in sorted(wanted):
            if ref in held:
                result[ref] = held[ref]
            elif not fetch or ref.source == self.source:
                result[ref] = None
            else:
                result[ref] = await self._fetch(ref, erased.get(ref.subject))
        return result

    async def subjects(self) -> list[str]:
        """Every subject this store holds a key of (its own or a copy), in order."""
        async with self.sessions() as session:
            return list((await session.execute(
                select(subject_keys.c.subject).distinct().order_by(subject_keys.c.subject))
            ).scalars())

    async def erasures_of(self, subjects: Iterable[str]) -> dict[str, datetime]:
        """When each subject was last erased here (subjects never erased are left out)."""
        async with self.sessions() as session:
            return await self._latest_erasures(session, set(subjects))

    async def _latest_erasures(self, session: AsyncSession, subjects: set[str]
                               ) -> dict[str, datetime]:
        if not subjects:
            return {}
        rows = await session.execute(
            select(erasures.c.subject, func.max(erasures.c.erased_at))
            .where(erasures.c.subject.in_(subjects)).group_by(erasures.c.subject))
        return {subject: _aware(at) for subject, at in rows}

    async def erase(self, subject: str, ground: str, at: datetime) -> list[str]:
        """Delete every key of a subject held here (made up to `at`), record the erasure,
        queue the purges. Returns the ids of this service's own keys that were deleted."""
        made = subject_keys.c.subject == subject, subject_keys.c.created_at <= at
        async with self.sessions() as session, session.begin():
            own = list((await session.execute(
                select(subject_keys.c.key_id).where(subject_keys.c.source == self.source, *made)
                .order_by(subject_keys.c.created_at))).scalars())
            await session.execute(delete(subject_keys).where(*made))
            await session.execute(delete(key_outbox).where(key_outbox.c.subject == subject,
                                                           key_outbox.c.op == "put",
                                                           key_outbox.c.key_id.in_(own)))
            if own:
                await session.execute(insert(key_outbox), [
                    {"op": "purge", "subject": subject, "key_id": key_id} for key_id in own])
            await session.execute(insert(erasures).values(subject=subject, ground=ground,
                                                          erased_at=at))
        return own

    async def reapply(self, recorded: Iterable[tuple[str, str, datetime]]) -> int:
        """Erase again what the event log says was erased and this store does not know of.

        `recorded` are `(subject, ground, erased at)` from the service's `PersonalDataErased`
        events. A key store restored from a backup older than an erasure would otherwise
        bring the erased keys back. Returns how many erasures were done again.
        """
        latest: dict[str, tuple[str, datetime]] = {}
        for subject, ground, at in recorded:
            if subject not in latest or latest[subject][1] < at:
                latest[subject] = (ground, at)
        known = await self.erasures_of(latest)
        again = [(s, g, at) for s, (g, at) in sorted(latest.items())
                 if s not in known or known[s] < at]
        for subject, ground, at in again:
            await self.erase(subject, ground, at)
        if again:
            log.warning("the key store did not know %d erasure(s) the event log records (was it "
                        "restored from an older backup?); they are done again", len(again))
        return len(again)

    async def pending(self) -> int:
        """How many key changes wait for the bucket."""
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(key_outbox)))
                       .scalar_one())

    async def push(self) -> int:
        """Tell the bucket every queued key change, oldest first; returns how many went."""
        async with self._pushing:
            return await self._push()

    async def _push(self) -> int:
        pushed = 0
        while True:
            async with self.sessions() as session:
                queued = (await session.execute(
                    select(key_outbox.c.id, key_outbox.c.op, key_outbox.c.subject,
                           key_outbox.c.key_id).order_by(key_outbox.c.id).limit(PUSH_BATCH)
                )).all()
                if not queued:
                    return pushed
                keys = {(subject, key_id): (key, _aware(created)) for subject, key_id, key, created
                        in await session.execute(
                            select(subject_keys.c.subject, subject_keys.c.key_id,
                                   subject_keys.c.key, subject_keys.c.created_at)
                            .where(subject_keys.c.source == self.source,
                                   subject_keys.c.subject.in_({r.subject for r in queued})))}
            kv = await self._bucket()
            done: int | None = None
            try:
                for row_id, op, subject, key_id in queued:
                    entry = KeyRef(self.source, subject, key_id).entry
                    if op == "purge":
                        await kv.purge(entry)
                    elif (subject, key_id) in keys:  # else erased before it was pushed
                        key, created = keys[(subject, key_id)]
                        await kv.put(entry, self._entry_value(entry, key, created))
                    done = row_id
            finally:
                if done is not None:
                    async with self.sessions() as session, session.begin():
                        await session.execute(delete(key_outbox).where(key_outbox.c.id <= done))
            pushed += len(queued)

    def _wrapping_key(self) -> bytes:
        if self._wrapping is None:
            self._wrapping = exchange_key(self._pepper())
        return self._wrapping

    def _entry_value(self, entry: str, key: bytes, created: datetime) -> bytes:
        stamp = created.isoformat()
        wrapped = wrap_key(key, wrapping=self._wrapping_key(), name=f"{entry}\x1f{stamp}")
        return json.dumps({"created_at": stamp, **wrapped}).encode()

    async def _bucket(self) -> KeyValue:
        bus = self.bus
        if bus is None or not bus.connected or bus.js is None:
            raise KeyUnavailable("the key bucket is not reachable: NATS is away", retry_after=2)
        if self._kv is not None and self._kv[0] is bus.js:
            return self._kv[1]
        try:
            try:
                kv = await bus.js.key_value(self.bucket)
            except BucketNotFoundError:
                kv = await bus.js.create_key_value(js_api.KeyValueConfig(
                    bucket=self.bucket, history=1, storage=js_api.StorageType.FILE,
                    replicas=bus.replicas,
                    description="data keys of personal fields, wrapped; not the event log"))
        except (nats.errors.Error, TimeoutError) as exc:
            raise KeyUnavailable(f"the key bucket is not reachable: {exc}", retry_after=2) from exc
        self._kv = (bus.js, kv)
        return kv

    async def _fetch(self, ref: KeyRef, erased_at: datetime | None) -> bytes | None:
        """Another service's key from the bucket, kept here; None when it is erased."""
        kv = await self._bucket()
        try:
            entry = await kv.get(ref.entry)
        except KeyNotFoundError as exc:
            # nats-py reports a purged or deleted entry as not found, with its operation.
            if getattr(exc, "op", None) is not None or erased_at is not None:
                return None
            raise KeyUnavailable(f"key {ref.key_id} of {ref.source} is not in the bucket yet",
                                 retry_after=2) from exc
        except (nats.errors.Error, TimeoutError) as exc:
            raise KeyUnavailable(f"the key bucket is not reachable: {exc}", retry_after=2) from exc
        value = json.loads(entry.value or b"{}")
        created = _aware(datetime.fromisoformat(value["created_at"]))
        if erased_at is not None and created <= erased_at:
            # A key of a service that has not erased the subject yet, made before this one did.
            return None
        try:
            key = unwrap_key(value, wrapping=self._wrapping_key(),
                             name=f"{ref.entry}\x1f{value['created_at']}")
        except CannotOpen as exc:
            log.error("key %s does not unwrap: is LICENSING_SUBJECT_PEPPER the same in every "
                      "service?", ref.entry)
            raise KeyUnavailable(str(exc), retry_after=30) from exc
        try:
            async with self.sessions() as session, session.begin():
                # Erased here while it was being fetched: do not keep it.
                erased = (await self._latest_erasures(session, {ref.subject})).get(ref.subject)
                if erased is not None and created <= erased:
                    return None
                await session.execute(insert(subject_keys).values(
                    source=ref.source, subject=ref.subject, key_id=ref.key_id, key=key,
                    created_at=created))
        except IntegrityError:
            pass  # a concurrent reader kept it first
        return key
