"""Sealing the personal fields of an event before it is hashed and stored; opening them to read.

`EventStore.append` hands each payload's data to `Vault.seal` before the envelope is hashed, so
the hash chain covers the ciphertext and an erasure never touches a stored event. Reading opens
every sealed value that still has a key: `EventStore.read` (folding an aggregate, own keys
only), the consumer before it parses (other services' keys, fetched from the bucket once), and
any view of the log (`open_envelopes`). A value whose key is gone becomes `Erased`, a `str`
the contracts keep: reading never fails on an erased field, and code that takes the payload as
plain data sees text where there was text (`[erased]` in JSON). An opened envelope is for
reading only: its `hash` is the hash of its sealed form.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Bus
from shared.envelope import Envelope
from shared.personal.crypto import CannotOpen, open_text, seal_text
from shared.personal.erased import Erased, is_sealed
from shared.personal.fields import replace_sealed, sealed_in, slots
from shared.personal.keys import KeyRef, KeyStore
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


def _ref(source: str, sealed: dict[str, Any]) -> KeyRef | None:
    subject, key_id = sealed.get("subject"), sealed.get("key")
    if isinstance(subject, str) and isinstance(key_id, str):
        return KeyRef(source, subject, key_id)
    return None


class Vault:
    """Seals and opens personal fields with one service's key store."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self.source = keys.source
        self._warned: set[tuple[str, str]] = set()

    @classmethod
    def for_service(cls, settings: ServiceSettings, bus: Bus | None) -> Vault:
        """The vault of a service, with the key store its settings describe."""
        return cls(KeyStore.for_service(settings, bus))

    async def start(self) -> None:
        """Prepare the key store."""
        await self.keys.start()

    async def reapply_erasures(self, session: AsyncSession, events: Table) -> int:
        """Erase again, in the key store, each erasure the service's own events record and
        the key store does not know (a key store restored from an older backup)."""
        rows = await session.execute(select(events.c.body)
                                     .where(events.c.type == "PersonalDataErased"))
        recorded = []
        for (body,) in rows:
            env = Envelope.parse(body)
            subject, ground = env.payload.get("subject"), env.payload.get("ground")
            if isinstance(subject, str) and isinstance(ground, str):
                recorded.append((subject, ground, env.occurred_at))
        return await self.keys.reapply(recorded)

    async def close(self) -> None:
        """Release the key store."""
        await self.keys.close()

    async def seal(self, model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
        """A payload's data with each personal field that applies and names its subject sealed.

        Changes `data` in place (the fresh JSON form of one payload) and returns it. A personal
        field without a subject stays as it is, and is logged once: it cannot be erased.
        """
        found = slots(model, data)
        if not found:
            return data
        for slot in found:
            if slot.subject is None and (model.__name__, slot.path) not in self._warned:
                self._warned.add((model.__name__, slot.path))
                log.warning("%s.%s is personal data without a data subject: it is stored "
                            "unsealed and cannot be erased", model.__name__, slot.path)
        sealable = [slot for slot in found if slot.subject is not None]
        if not sealable:
            return data
        keys = await self.keys.sealing_keys({slot.subject for slot in sealable if slot.subject})
        for slot in sealable:
            assert slot.subject is not None
            key_id, key = keys[slot.subject]
            slot.holder[slot.name] = seal_text(slot.holder[slot.name], key=key, key_id=key_id,
                                               subject=slot.subject, path=slot.path)
        return data

    async def open_payloads(self, items: Sequence[tuple[str, Any]], *, fetch: bool
                            ) -> list[Any]:
        """Each `(source, JSON data)` with its sealed values opened, erased ones as `Erased`.

        `fetch` lets another service's keys come from the bucket (KeyUnavailable when one is
        not there yet); without it only keys held here open.
        """
        found = [[(path, sealed) for path, sealed in sealed_in(data)] for _source, data in items]
        if not any(found):
            return [data for _source, data in items]
        refs = {ref for (source, _data), values in zip(items, found, strict=True)
                for _path, sealed in values if (ref := _ref(source, sealed)) is not None}
        keys = await self.keys.opening_keys(refs, fetch=fetch)
        opened: list[Any] = []
        for (source, data), values in zip(items, found, strict=True):
            if not values:
                opened.append(data)
                continue

            def open_one(path: str, sealed: dict[str, Any], source: str = source) -> Any:
                ref = _ref(source, sealed)
                key = keys.get(ref) if ref is not None else None
                erased = Erased(ref.subject if ref is not None else None)
                if key is None:
                    return erased
                try:
                    return open_text(sealed, key=key, path=path)
                except CannotOpen:
                    log.warning("a sealed value of %s at %s does not open with its key; it "
                                "reads as erased", source, path)
                    return erased

            opened.append(replace_sealed(data, open_one))
        return opened

    async def open_envelopes(self, envelopes: Sequence[Envelope], *, fetch: bool = True
                             ) -> list[Envelope]:
        """Envelopes with their payloads opened (the same objects when nothing is sealed)."""
        payloads = await self.open_payloads([(e.source, e.payload) for e in envelopes],
                                            fetch=fetch)
        return [env if payload is env.payload else env.model_copy(update={"payload": payload})
                for env, payload in zip(envelopes, payloads, strict=True)]

    async def seal_field(self, text: str, *, subject: str, path: str) -> dict[str, Any]:
        """One text sealed under this service's key for a subject, for a read model's column
        or document: `path` names where it is kept (it must be given again to open it)."""
        key_id, key = (await self.keys.sealing_keys({subject}))[subject]
        return seal_text(text, key=key, key_id=key_id, subject=subject, path=path)

    async def open_field(self, value: Any, *, path: str) -> Any:
        """A value `seal_field` made, opened (or `Erased`); any other value as it is."""
        if not is_sealed(value):
            return value
        ref = _ref(self.source, value)
        key = ((await self.keys.opening_keys({ref}, fetch=False)).get(ref)
               if ref is not None else None)
        if key is not None:
            try:
                return open_text(value, key=key, path=path)
            except CannotOpen:
                log.warning("a sealed value at %s does not open with its key", path)
        return Erased(ref.subject if ref is not None else None)
