"""Migration 0003 prepares every denial's names again and files them under the new keys."""

from __future__ import annotations

import json
import random
from collections import defaultdict

from alembic import command
from sqlalchemy import insert, pool, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.denials.db import denial_keys, denial_names, denials, registry
from services.denials.matching import NAME_INDEX_VERSION, NORMALISER_VERSION, filing_keys, prepare
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.migrate import alembic_config
from shared.envelope import canonical_json
from tests.denials.test_screening_index import MIGRATIONS, denial_rows, migrate, screenings

NAMES = ["SAAB DYNAMICS AKTIEBOLAG", "ООО «Технопромэкспорт»", "BDL Bharat Dynamics Ltd",
         "Rheinmetall Waffe und Munition GmbH", "صنایع هوایی قدس", "中国北方工业集团有限公司"]


def _first_matcher(name: str | None) -> dict | None:
    # What the first matcher cached: its version 1 and words of its own.
    return None if name is None else {"v": 1, "raw": name, "variants": [["stale"]],
                                      "aliases": []}


async def test_refiling_prepares_every_name_again_and_the_index_finds_every_match(
        db_url: str) -> None:
    await migrate(db_url, "0002")
    rng = random.Random(15)
    rows, families = denial_rows(rng, 400)
    for i, row in enumerate(rows):
        names = json.loads(row["names"])
        end_user = NAMES[i] if i < len(NAMES) else names["end_user"]["raw"]
        consignee = names["consignee"]["raw"] if names["consignee"] else None
        row["names"] = canonical_json({"end_user": _first_matcher(end_user),
                                       "consignee": _first_matcher(consignee)})
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(denials), rows)
            await conn.execute(insert(denial_keys), families)
            # Keys of the first matcher, and its version on the index.
            await conn.execute(insert(denial_names), [
                {"destination": r["destination"], "rating_key": f["rating_key"], "name_key": 1,
                 "denial_id": r["id"]} for r, f in zip(rows, families, strict=True)])
            await conn.execute(update(registry).values(name_index="1.1"))
        await migrate(db_url, "head")
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            assert (await session.execute(select(registry.c.name_index))).scalar_one() \
                == NAME_INDEX_VERSION
            cached = {r.id: json.loads(r.names) for r in
                      (await session.execute(select(denials.c.id, denials.c.names))).all()}
            filed: dict[str, set[int]] = defaultdict(set)
            for denial_id, key in (await session.execute(
                    select(denial_names.c.denial_id, denial_names.c.name_key))).all():
                filed[denial_id].add(key)
        for denial_id, names in cached.items():
            end_user = prepare(names["end_user"]["raw"])
            consignee = prepare(names["consignee"]["raw"]) if names["consignee"] else None
            assert names["end_user"] == end_user.to_json()
            assert names["end_user"]["v"] == NORMALISER_VERSION
            assert filed[denial_id] == filing_keys(end_user, consignee), denial_id
        results = await screenings(sessions, rng, 150)
        assert all(indexed == everything for indexed, everything in results)
    finally:
        await engine.dispose()


async def downgrade(url: str, revision: str) -> None:
    """Take the database back to one revision of the denials migrations."""
    engine = (make_engine(url, poolclass=pool.NullPool) if url.startswith("sqlite")
              else create_async_engine(url, poolclass=pool.NullPool))
    cfg = alembic_config(MIGRATIONS, url)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def test_refiling_undone_leaves_an_index_of_no_known_matcher(db_url: str) -> None:
    await migrate(db_url, "head")
    await downgrade(db_url, "0002")
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(select(registry.c.name_index))).scalar_one() is None
    finally:
        await engine.dispose()
