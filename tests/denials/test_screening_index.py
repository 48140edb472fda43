"""Screening through the name index finds exactly what comparing every denial finds."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, insert, pool, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from services.denials.db import denial_keys, denial_names, denials, registry
from services.denials.domain.screening import Screening, screen
from services.denials.domain.validity import expires_on
from services.denials.handlers.db import index_rows
from services.denials.matching import NAME_INDEX_VERSION, filing_keys, prepare
from services.denials.queries import load_candidates
from services.denials.ratings import rating_key
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.migrate import alembic_config
from shared.envelope import canonical_json
from tests.denials.conftest import denial_body
from tests.denials.test_name_index import typo
from tests.harness import RunningService, auth

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "denials" / "migrations"
ON = dt.date(2024, 6, 1)
WORDS = ("alpha", "nordic", "troya", "delta", "orion", "levant", "nordstrom", "sky", "avionik",
         "optics", "defence", "systems", "trading", "marine", "rosoboronexport", "kh")
FORMS = ("Ltd", "GmbH", "S.A.", "", "(ACME)")
RATINGS = ("ML15", "ML15a", "ML4", "5A002", None)


async def migrate(url: str, revision: str) -> None:
    """Bring the database to one revision of the denials migrations."""
    engine = (make_engine(url, poolclass=pool.NullPool) if url.startswith("sqlite")
              else create_async_engine(url, poolclass=pool.NullPool))
    cfg = alembic_config(MIGRATIONS, url)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to 0001, before the name index."""
    await migrate(db_url, "0001")
    eng = make_engine(db_url)
    yield eng
    await eng.dispose()


def name(rng: random.Random) -> str:
    """A company name, sometimes misspelt, reordered or joined."""
    words = rng.sample(WORDS, rng.randint(1, 3))
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = typo(words[i], rng.randrange(4), rng.randrange(20))
    if rng.random() < 0.2:
        words.reverse()
    if rng.random() < 0.1 and len(words) > 1:
        words = ["".join(words[:2]), *words[2:]]
    return " ".join([*words, rng.choice(FORMS)]).strip()


def denial_rows(rng: random.Random, n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`n` denials as migration 0001 stored them, with their rating families."""
    out, families = [], []
    for _ in range(n):
        denial_id = str(uuid.uuid4())
        denied_on = ON - dt.timedelta(days=rng.randint(0, 4 * 365))
        end_user, consignee = name(rng), name(rng) if rng.random() < 0.5 else None
        rating = rng.choice(RATINGS)
        names = {"end_user": prepare(end_user).to_json(),
                 "consignee": prepare(consignee).to_json() if consignee else None}
        doc = {"id": denial_id, "goods_description": "goods", "rating": rating}
        out.append({"id": denial_id, "state": rng.choice(("DE", "FR", "NL")),
                    "reference": denial_id[:12], "destination": rng.choice(("IL", "JO")),
                    "regime": "military", "rating": rating, "denied_on": denied_on,
                    "expires_on": expires_on(denied_on, 3),
                    "revoked_on": ON if rng.random() < 0.1 else None, "expiry_recorded": False,
                    "application_id": None, "registered_at": dt.datetime.now(dt.UTC),
                    "names": canonical_json(names), "document": canonical_json(doc),
                    "version": 1})
        families.append({"denial_id": denial_id, "rating_key": rating_key(rating),
                         "destination": out[-1]["destination"]})
    return out, families


async def screenings(sessions: async_sessionmaker[AsyncSession], rng: random.Random,
                     count: int) -> list[tuple[list[str], list[str]]]:
    """For `count` random screenings: the matches through the index and comparing all."""
    results = []
    for _ in range(count):
        query = Screening(destination=rng.choice(("IL", "JO")), end_user=prepare(name(rng)),
                          consignee=prepare(name(rng)) if rng.random() < 0.5 else None,
                          rating=rng.choice(RATINGS), on=ON, state="NL")
        found = []
        for names in ((query.end_user, query.consignee), None):
            async with sessions() as session:
                candidates = await load_candidates(
                    session, destination=query.destination, rating=query.rating, on=ON,
                    exclude_state="NL", names=names)
            found.append([m.denial_id for m in screen(query, candidates)])
        results.append((found[0], found[1]))
    return results


async def test_migration_files_registered_denials_and_the_index_finds_every_match(
        engine: AsyncEngine, db_url: str) -> None:
    rng = random.Random(7)
    rows, families = denial_rows(rng, 600)
    async with engine.begin() as conn:
        await conn.execute(insert(denials), rows)
        await conn.execute(insert(denial_keys), families)
    await migrate(db_url, "head")
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        assert (await session.execute(select(registry.c.name_index))).scalar_one() \
            == NAME_INDEX_VERSION
        filed = set((await session.execute(select(denial_names.c.denial_id))).scalars())
    assert filed == {r["id"] for r in rows}
    results = await screenings(sessions, rng, 300)
    assert all(indexed == everything for indexed, everything in results)
    assert sum(bool(everything) for _, everything in results) >= 30, "too few matches to tell"


def test_a_denial_is_filed_under_every_key_for_each_of_its_rating_families() -> None:
    end_user, consignee = prepare("Nordström Avionik GmbH (NAG)"), prepare("Levant Logistics")
    rows = index_rows(denial_id="d1", destination="IL", families={"ML15", "ML4"},
                      end_user=end_user, consignee=consignee)
    assert {(r["rating_key"], r["destination"]) for r in rows} == {("ML15", "IL"), ("ML4", "IL")}
    keys = filing_keys(end_user, consignee)
    assert sorted(r["name_key"] for r in rows if r["rating_key"] == "ML4") == sorted(keys)


NL = auth("assessor")
DE = auth("partner", state="DE")


async def test_screening_compares_every_denial_while_the_index_is_of_another_matcher(
        denials: RunningService) -> None:
    created = await denials.client.post("/v1/denials", json=denial_body(), headers=DE)
    denial_id = created.json()["id"]
    ask = {"destination": "IL", "rating": "ML15",
           "end_user": {"name": "Troya Tech Defense Ltd.", "country": "IL"}}

    async def matched() -> list[str]:
        r = await denials.client.post("/v1/denials/matches", json=ask, headers=NL)
        return [m["denial_id"] for m in r.json()["matches"]]

    assert await matched() == [denial_id]
    async with denials.runtime.sessions() as session, session.begin():
        await session.execute(delete(denial_names))
    assert await matched() == [], "with a current index, only what it files is compared"
    async with denials.runtime.sessions() as session, session.begin():
        await session.execute(update(registry).values(name_index="0.0"))
    assert await matched() == [denial_id]


def test_the_index_version_follows_the_normaliser() -> None:
    cached = json.loads(json.dumps(prepare("Troya Tech").to_json()))
    assert NAME_INDEX_VERSION.split(".")[0] == str(cached["v"])


async def test_a_denial_whose_names_hold_no_word_is_registered_and_never_matches(
        denials: RunningService) -> None:
    body = denial_body(end_user={"name": "!!!", "country": "IL"}, consignee=None)
    created = await denials.client.post("/v1/denials", json=body, headers=DE)
    assert created.status_code == 201, created.text
    r = await denials.client.post("/v1/denials/matches", headers=NL, json={
        "destination": "IL", "rating": "ML15", "end_user": {"name": "!!!", "country": "IL"}})
    assert r.json()["matches"] == []


async def test_the_index_finds_a_denial_by_any_of_its_names_and_any_name_asked(
        denials: RunningService) -> None:
    rng = random.Random(11)
    for _ in range(40):
        consignee = ({"name": name(rng), "aliases": [name(rng) for _ in range(rng.randint(0, 2))]}
                     if rng.random() < 0.5 else None)
        body = denial_body(destination=rng.choice(("IL", "JO")), rating=rng.choice(("ML15", "ML4")),
                           end_user={"name": name(rng), "country": "IL",
                                     "aliases": [name(rng) for _ in range(rng.randint(0, 2))]},
                           consignee=consignee)
        assert (await denials.client.post("/v1/denials", json=body, headers=DE)).status_code == 201
    found_any = 0
    for _ in range(100):
        query = Screening(destination=rng.choice(("IL", "JO")), end_user=prepare(name(rng)),
                          consignee=prepare(name(rng)) if rng.random() < 0.5 else None,
                          end_user_aliases=tuple(prepare(name(rng))
                                                 for _ in range(rng.randint(0, 2))),
                          rating=rng.choice(("ML15", "ML4")), on=ON, state="NL")
        asked = (query.end_user, query.consignee, *query.end_user_aliases)
        found = []
        for names in (asked, None):
            async with denials.runtime.sessions() as session:
                candidates = await load_candidates(
                    session, destination=query.destination, rating=query.rating, on=ON,
                    exclude_state="NL", names=names)
            found.append([m.denial_id for m in screen(query, candidates)])
        assert found[0] == found[1], query
        found_any += bool(found[1])
    assert found_any >= 10, f"too few matches to tell ({found_any})"
