"""The runtime owns the key store: started and stopped with the service, and a key store
restored from a backup older than an erasure is erased again from the event log at start."""

from __future__ import annotations

import shutil
from pathlib import Path

from shared.contracts import REGISTRY
from shared.envelope import SYSTEM
from shared.personal.erased import Erased
from shared.personal.erasure import erase
from shared.personal.subjects import Subjects
from shared.service import Runtime
from tests.harness import NatsServer
from tests.personal.conftest import MakeRuntime
from tests.personal.contracts import Person, PersonRegistered

JAN = "Jan de Vries"


async def read_name(runtime: Runtime) -> str:
    async with runtime.sessions() as session:
        [env] = await runtime.store.read(session, "c1")
    payload = REGISTRY.parse(env).payload
    assert isinstance(payload, PersonRegistered)
    return payload.person.name


def _copy(source: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)


async def test_a_key_store_restored_from_before_an_erasure_is_erased_again_at_start(
    personal_runtime: MakeRuntime, subjects: Subjects, tmp_path: Path
) -> None:
    nats = NatsServer(tmp_path / "never-started")  # the key store needs no NATS for this
    subject = subjects.private_party(JAN, "NL")
    runtime = await personal_runtime(nats.url, "registrar")
    await runtime.start()
    async with runtime.transaction() as session:
        await runtime.store.append(session, "c1", [PersonRegistered(
            case="c1", person=Person(name=JAN, subject=subject))], actor=SYSTEM)
    assert await read_name(runtime) == JAN
    keys_db = tmp_path / "registrar.keys.db"
    await runtime.vault.keys.engine.dispose()
    _copy(keys_db, tmp_path / "keys-backup.db")

    async with runtime.transaction() as session:
        await erase(runtime.vault.keys, subject, "ordered", holdings=[], years={},
                    session=session, store=runtime.store)
    assert isinstance(await read_name(runtime), Erased)
    await runtime.stop()

    _copy(tmp_path / "keys-backup.db", keys_db)  # the key store as it was before the erasure
    again = await personal_runtime(nats.url, "registrar")
    await again.start()
    name = await read_name(again)
    assert isinstance(name, Erased) and name.subject == subject
    async with again.sessions() as session:
        assert await again.vault.reapply_erasures(
            session, again.metadata.tables["events"]) == 0  # nothing left to do

