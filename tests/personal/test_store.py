"""Crypto-shredding in one service's store: sealed before hashing, opened on reading, erased by
deleting keys, with every chain intact (SQLite, and PostgreSQL when given)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.aggregate import Aggregate, load
from shared.contracts import REGISTRY, Payload
from shared.contracts.intake import _APPLICATION, ApplicationSubmitted
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.store_tables import add_store_tables, append_only_statements
from shared.envelope import SYSTEM, Actor
from shared.eventstore import EventStore, verify_store
from shared.personal.erased import Erased
from shared.personal.erasure import Holding, RetentionNotOver, due, erase
from shared.personal.keys import KeyStore
from shared.personal.subjects import Subjects
from shared.personal.tables import metadata as key_metadata
from shared.personal.vault import Vault
from shared.settings import ServiceSettings
from tests.harness import create_postgres_database, postgres_url
from tests.personal.contracts import Party, Person, PersonRegistered

YEARS = {"licence": 5, "application": 5}
JAN, PIET = "Jan de Vries", "Piet Jansen"


@dataclass
class Service:
    """One producing service's store, with its vault and its key store's own database."""

    store: EventStore
    sessions: async_sessionmaker[AsyncSession]
    metadata: MetaData
    vault: Vault
    engine: AsyncEngine
    url: str

    async def record(self, stream: str, *payloads: Payload) -> None:
        async with self.sessions() as session, session.begin():
            await self.store.append(session, stream, list(payloads), actor=SYSTEM)

    async def bodies(self) -> list[str]:
        async with self.sessions() as session:
            return list((await session.execute(text("SELECT body FROM events"))).scalars())

    async def read(self, stream: str) -> list[Payload]:
        async with self.sessions() as session:
            return [REGISTRY.parse(e).payload for e in await self.store.read(session, stream)]


@pytest.fixture
async def service(db_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    """The made-up `registrar` on a fresh database, its key store on another one."""
    drop = None
    if db_url.startswith("sqlite"):
        keys_url = f"sqlite+aiosqlite:///{tmp_path / 'registrar.keys.db'}"
    else:
        keys_url, drop = await create_postgres_database(postgres_url() or "")
    metadata = MetaData()
    add_store_tables(metadata)
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in append_only_statements(engine.dialect.name):
            await conn.execute(text(statement))
    keys = KeyStore(keys_url, source="registrar", bus=None, bucket="TEST_KEYS",
                    pepper=lambda: b"pepper" * 6)
    await keys.start()
    vault = Vault(keys)
    yield Service(EventStore(metadata, "registrar", vault=vault), make_sessionmaker(engine),
                  metadata, vault, engine, db_url)
    await vault.close()
    await engine.dispose()
    if drop is not None:
        await drop()


def registered(subjects: Subjects, case: str = "c1", amount: int = 10) -> PersonRegistered:
    jan = subjects.private_party(JAN, "NL")
    return PersonRegistered(
        case=case, amount=amount,
        person=Person(name=JAN, email="jan@example.nl", subject=jan),
        parties=[Party(name=PIET, kind="person", subject=subjects.private_party(PIET, "NL")),
                 Party(name="Thales Nederland B.V.", kind="company")])


async def test_personal_fields_are_sealed_before_the_event_is_hashed(service: Service,
                                                                      subjects: Subjects) -> None:
    await service.record("c1", registered(subjects))
    [body] = await service.bodies()
    assert JAN not in body and "jan@example.nl" not in body and PIET not in body
    assert "Thales Nederland B.V." in body  # a company is not personal data
    payload = json.loads(body)["payload"]
    assert payload["person"]["name"]["$sealed"] == 1
    assert payload["person"]["name"]["subject"] == subjects.private_party(JAN, "NL")
    assert payload["parties"][0]["name"]["subject"] == subjects.private_party(PIET, "NL")
    async with service.sessions() as session:
        assert (await verify_store(session, service.metadata)) == (1, [])
    [read] = await service.read("c1")
    assert read == registered(subjects)  # opened on reading, as it was appended


async def test_after_erasure_every_chain_is_intact_and_the_person_reads_as_erased(
    service: Service, subjects: Subjects
) -> None:
    jan = subjects.private_party(JAN, "NL")
    await service.record("c1", registered(subjects, "c1", 10))
    await service.record("c2", registered(subjects, "c2", 5), registered(subjects, "c2", 7))
    total = Aggregate[int]("case", 0, lambda n, e: n + getattr(e, "amount", 0))
    async with service.sessions() as session:
        before = [await load(session, service.store, total, s) for s in ("c1", "c2")]
    bodies_before = await service.bodies()

    async with service.sessions() as session, session.begin():
        erasure = await erase(service.vault.keys, jan, "ordered", holdings=[], years=YEARS,
                              session=session, store=service.store,
                              actor=Actor(sub="dpo", roles=("admin",)))
    assert erasure.keys_deleted == 1

    async with service.sessions() as session:
        streams, broken = await verify_store(session, service.metadata)
        assert (streams, broken) == (3, [])  # c1, c2 and the subject's own stream
        # Aggregates never depend on personal fields: the same states, at the same versions.
        assert [await load(session, service.store, total, s) for s in ("c1", "c2")] == before
    assert (await service.bodies())[:3] == bodies_before  # no stored event changed
    [first] = await service.read("c1")
    assert isinstance(first, PersonRegistered)
    assert isinstance(first.person.name, Erased) and first.person.name.subject == jan
    assert isinstance(first.person.email, Erased)
    assert first.parties[0].name == PIET  # another person, not erased
    assert first.parties[1].name == "Thales Nederland B.V."

    # The erasure is itself an event, on the subject's stream, with no personal data.
    event = erasure.event
    assert event is not None and event.stream_id == jan and event.type == "PersonalDataErased"
    assert event.payload == {"subject": jan, "ground": "ordered",
                             "erased_on": event.payload["erased_on"]}
    assert event.actor.sub == "dpo"
    stored = [b for b in await service.bodies() if "PersonalDataErased" in b]
    assert len(stored) == 1 and all(word not in stored[0] for word in ("Jan", "Vries", "jan@"))


async def test_a_backup_of_the_service_database_restored_after_erasure_stays_erased(
    service: Service, subjects: Subjects, tmp_path: Path
) -> None:
    if not service.url.startswith("sqlite"):
        pytest.skip("the backup is a copy of the SQLite file")
    jan = subjects.private_party(JAN, "NL")
    await service.record("c1", registered(subjects))
    await service.engine.dispose()
    database = Path(service.url.split(":///", 1)[1])
    backup = tmp_path / "backup.db"
    shutil.copy(database, backup)

    await erase(service.vault.keys, jan, "ordered", holdings=[], years=YEARS)
    await service.engine.dispose()
    _restore(backup, database)  # the service's database as it was before the erasure

    async with service.sessions() as session:
        assert (await verify_store(session, service.metadata)) == (1, [])
    [read] = await service.read("c1")
    assert isinstance(read, PersonRegistered) and isinstance(read.person.name, Erased)
    assert JAN not in backup.read_bytes().decode(errors="replace")


def _restore(backup: Path, database: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copy(backup, database)


async def test_erasure_within_the_retention_period_is_refused_with_its_date(
    service: Service, subjects: Subjects
) -> None:
    jan = subjects.private_party(JAN, "NL")
    await service.record("c1", registered(subjects))
    holdings = [Holding(jan, "licence", dt.date(2024, 3, 1)),
                Holding(jan, "application", dt.date(2022, 1, 5))]
    with pytest.raises(RetentionNotOver) as refused:
        await erase(service.vault.keys, jan, "subject-request", holdings=holdings, years=YEARS,
                    today=dt.date(2029, 12, 31))
    assert refused.value.retained_until == dt.date(2029, 12, 31)
    assert "kept until 2029-12-31" in refused.value.detail
    assert "erased from 2030-01-01" in refused.value.detail
    assert refused.value.extra["retained_until"] == "2029-12-31"
    assert (await service.read("c1"))[0].person.name == JAN  # nothing was erased

    # The day after the period, a request is honoured; a court order would have been at once.
    done = await erase(service.vault.keys, jan, "subject-request", holdings=holdings,
                       years=YEARS, today=dt.date(2030, 1, 1))
    assert done.keys_deleted == 1
    assert isinstance((await service.read("c1"))[0].person.name, Erased)


async def test_an_overriding_ground_erases_within_the_period(service: Service,
                                                             subjects: Subjects) -> None:
    jan = subjects.private_party(JAN, "NL")
    await service.record("c1", registered(subjects))
    await erase(service.vault.keys, jan, "unlawfully-processed",
                holdings=[Holding(jan, "licence", dt.date.today())], years=YEARS)
    assert isinstance((await service.read("c1"))[0].person.name, Erased)


async def test_due_lists_subjects_past_their_period_and_not_erased_since(
    service: Service, subjects: Subjects
) -> None:
    old, recent, done = (subjects.private_party(n, "NL") for n in ("Old", "Recent", "Done"))
    holdings = [Holding(old, "licence", dt.date(2020, 6, 1)),
                Holding(old, "application", dt.date(2019, 1, 1)),
                Holding(recent, "licence", dt.date(2020, 6, 1)),
                Holding(recent, "licence", dt.date(2026, 1, 1)),
                Holding(done, "application", dt.date(2018, 1, 1))]
    await erase(service.vault.keys, done, "retention-ended", holdings=holdings, years=YEARS)
    listed = await due(service.vault.keys, holdings, years=YEARS, today=dt.date(2026, 3, 1))
    assert [(d.subject, d.retained_until, d.kinds) for d in listed] == [
        (old, dt.date(2025, 12, 31), ("application", "licence"))]
    with pytest.raises(ValueError, match="no retention period"):
        await due(service.vault.keys, [Holding(old, "dossier", dt.date(2020, 1, 1))],
                  years=YEARS)


async def test_erasure_requests_are_checked(service: Service) -> None:
    from shared.errors import Invalid

    with pytest.raises(Invalid) as bad:
        await erase(service.vault.keys, "jan", "because", holdings=[], years=YEARS)
    assert [e.loc for e in bad.value.errors] == [("body", "subject"), ("body", "ground")]


async def test_a_person_recorded_again_after_erasure_is_readable_under_a_new_key(
    service: Service, subjects: Subjects
) -> None:
    jan = subjects.private_party(JAN, "NL")
    await service.record("c1", registered(subjects, "c1"))
    await erase(service.vault.keys, jan, "ordered", holdings=[], years=YEARS)
    await service.record("c2", registered(subjects, "c2"))
    assert isinstance((await service.read("c1"))[0].person.name, Erased)
    assert (await service.read("c2"))[0].person.name == JAN
    old_key = json.loads((await service.bodies())[0])["payload"]["person"]["name"]["key"]
    new_key = json.loads((await service.bodies())[-1])["payload"]["person"]["name"]["key"]
    assert old_key != new_key


async def test_a_personal_field_without_a_subject_is_stored_as_is_and_logged(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    unknown = PersonRegistered(case="c1", person=Person(name=JAN))
    with caplog.at_level(logging.WARNING, logger="shared.personal.vault"):
        await service.record("c1", unknown)
        await service.record("c1", unknown)
    assert JAN in (await service.bodies())[0]
    warnings = [r.getMessage() for r in caplog.records if "without a data subject" in r.message]
    assert warnings == ["PersonRegistered.person.name is personal data without a data subject: "
                        "it is stored unsealed and cannot be erased"]


async def test_the_real_contracts_seal_what_they_mark_personal(service: Service,
                                                               subjects: Subjects) -> None:
    data = copy.deepcopy(_APPLICATION)
    jan = subjects.private_party(JAN, "NO")
    contact = subjects.contact("NL123456789", email="p.smit@thales.nl")
    data["end_user"] = {"name": JAN, "country": "NO", "type": "private", "subject": jan}
    data["consignee"] = {"name": "Kongsberg", "country": "NO", "type": "company"}
    data["applicant"] = {"name": "Thales Nederland B.V.", "eori": "NL123456789",
                         "contact": {"name": "Petra Smit", "email": "p.smit@thales.nl",
                                     "phone": "+31 74 248 1111", "subject": contact}}
    sealed = await service.vault.seal(ApplicationSubmitted,
                                      ApplicationSubmitted.model_validate(data)
                                      .model_dump(mode="json"))
    text_form = json.dumps(sealed)
    for secret in (JAN, "Petra Smit", "p.smit@thales.nl", "+31 74 248 1111"):
        assert secret not in text_form
    assert sealed["consignee"]["name"] == "Kongsberg"
    assert sealed["applicant"]["name"] == "Thales Nederland B.V."
    assert sealed["applicant"]["contact"]["subject"] == contact
    [opened] = await service.vault.open_payloads([("registrar", sealed)], fetch=False)
    assert ApplicationSubmitted.model_validate(opened) == ApplicationSubmitted.model_validate(
        data)


async def test_a_read_model_keeps_a_personal_text_sealed_too(service: Service,
                                                             subjects: Subjects) -> None:
    jan = subjects.private_party(JAN, "NL")
    stored = await service.vault.seal_field(JAN, subject=jan, path="applications.end_user")
    assert JAN not in json.dumps(stored)
    assert await service.vault.open_field(stored, path="applications.end_user") == JAN
    assert await service.vault.open_field("plain", path="x") == "plain"
    await erase(service.vault.keys, jan, "ordered", holdings=[], years=YEARS)
    gone = await service.vault.open_field(stored, path="applications.end_user")
    assert isinstance(gone, Erased) and gone.subject == jan


async def test_the_key_store_has_its_own_schema_and_version_table(service: Service) -> None:
    async with service.vault.keys.engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert tables == set(key_metadata.tables) | {"key_store_version"}
        assert (await conn.execute(select(text("version_num")).select_from(
            text("key_store_version")))).scalar_one() == "0001"
    await service.vault.keys.start()  # idempotent


def test_the_key_store_may_not_share_the_service_database(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="its own database"):
        ServiceSettings(service="intake", db=f"sqlite:///{tmp_path}/intake.db",
                        keys_db=f"sqlite:///{tmp_path}/intake.db")
    settings = ServiceSettings(service="intake", data_dir=tmp_path)
    assert settings.keys_database_url.endswith("/intake.keys.db")
