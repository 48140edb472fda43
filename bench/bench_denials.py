"""Benchmark: screening against a registry of 1,000 / 10,000 / 100,000 denials.

Fills the denials read model (SQLite, migrated as the service does) with denials spread over
~190 destinations with a Zipf-like skew, then times the matching path a screening takes:
preparing the names asked about, the candidate load (the name index, by destination and rating
family) and the pure scoring.
`family` counts the active denials for the destination and rating family (what a screening
without the name index compares), `cand` those the index offers and that are compared in full.
Run: `.venv/bin/python -m bench.bench_denials` (a few minutes at most; `--no-index` times the
comparison of every denial for the destination, as before the name index; `--postgres URL`
measures on a throwaway database of that PostgreSQL server). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, or_, select, text

from services.denials.db import denial_keys, denial_names, denials
from services.denials.domain.screening import Screening, screen
from services.denials.domain.validity import expires_on
from services.denials.handlers.db import index_rows
from services.denials.matching import prepare
from services.denials.queries import load_candidates
from services.denials.ratings import rating_key
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.migrate import upgrade
from shared.envelope import canonical_json
from tests.harness import create_postgres_database

MIGRATIONS = Path(__file__).resolve().parent.parent / "services" / "denials" / "migrations"
SIZES = (1_000, 10_000, 100_000)
QUERIES = 1000
QUICK_QUERIES = 300
STATES = ("DE", "FR", "BE", "IT", "ES", "SE", "NO", "PL", "AT", "CZ", "FI", "DK", "IE", "PT")
WORDS = ("alpha", "nordic", "troya", "delta", "orion", "levant", "gulf", "sky", "sea", "star",
         "falcon", "eagle", "atlas", "nova", "zenith", "vector", "apex", "titan", "helix", "aurora",
         "crescent", "summit", "phoenix", "horizon", "polar", "granite", "meridian", "cobalt")
TRADES = ("optics", "defence", "avionik", "systems", "trading", "marine", "electronics",
          "logistics", "technology", "industries", "engineering", "security", "aerospace")
FORMS = ("Ltd", "Limited", "GmbH", "S.A.", "B.V.", "LLC", "FZE", "JSC", "", "")
RATINGS = tuple(f"ML{i}" for i in range(1, 23)) + ("5A002", "3A001", "6A003", "9A012")


def destinations(rng: random.Random) -> tuple[list[str], list[float]]:
    """~190 two-letter codes with Zipf-like weights: a few destinations hold most denials."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = sorted({a + b for a in letters for b in letters})
    rng.shuffle(codes)
    codes = codes[:190]
    return codes, [1.0 / (rank + 1) ** 1.1 for rank in range(len(codes))]


def company(rng: random.Random) -> str:
    """A plausible company name."""
    parts = [rng.choice(WORDS).title(), rng.choice(TRADES).title()]
    if rng.random() < 0.4:
        parts.insert(1, rng.choice(TRADES).title())
    form = rng.choice(FORMS)
    return " ".join(parts + ([form] if form else []))


def rows(n: int, rng: random.Random, codes: list[str], weights: list[float],
         ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """`n` denials for the read model, their rating families and their name index rows."""
    today = dt.date.today()
    out: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    filed: list[dict[str, Any]] = []
    for dest in rng.choices(codes, weights, k=n):
        denial_id = str(uuid.uuid4())
        denied_on = today - dt.timedelta(days=rng.randint(0, 4 * 365))
        end_user, consignee = company(rng), company(rng) if rng.random() < 0.5 else None
        rating = rng.choice(RATINGS)
        end_user_name, consignee_name = prepare(end_user), prepare(consignee) if consignee else None
        names = {"end_user": end_user_name.to_json(),
                 "consignee": consignee_name.to_json() if consignee_name else None}
        doc = {"id": denial_id, "state": rng.choice(STATES), "reference": denial_id[:12],
               "denied_on": denied_on.isoformat(), "regime": "military", "destination": dest,
               "end_user": {"name": end_user, "country": dest},
               "consignee": {"name": consignee, "country": None} if consignee else None,
               "goods_description": "goods", "rating": rating, "quantity": 1, "criteria": [7]}
        out.append({"id": denial_id, "state": doc["state"], "reference": doc["reference"],
                    "destination": dest, "regime": "military", "rating": rating,
                    "denied_on": denied_on, "expires_on": expires_on(denied_on, 3),
                    "revoked_on": None, "expiry_recorded": False, "application_id": None,
                    "registered_at": dt.datetime.now(dt.UTC), "names": canonical_json(names),
                    "document": canonical_json(doc), "version": 1})
        keys.append({"denial_id": denial_id, "rating_key": rating_key(rating),
                     "destination": dest})
        filed += index_rows(denial_id=denial_id, destination=dest, families={rating_key(rating)},
                            end_user=end_user_name, consignee=consignee_name)
    return out, keys, filed


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def family_size(session: Any, *, destination: str, rating: str, on: dt.date) -> int:
    """Active denials of other states for the destination and rating family."""
    return int((await session.execute(
        select(func.count()).select_from(denials)
        .join(denial_keys, denial_keys.c.denial_id == denials.c.id)
        .where(denial_keys.c.destination == destination,
               denial_keys.c.rating_key == rating_key(rating), denials.c.denied_on <= on,
               denials.c.expires_on > on,
               or_(denials.c.revoked_on.is_(None), denials.c.revoked_on > on),
               denials.c.state != "NL"))).scalar_one())


async def measure(url: str, *, indexed: bool, queries: int = QUERIES) -> None:
    """Fill the registry at `url` size by size, time screenings, print a table."""
    rng = random.Random(20240601)
    codes, weights = destinations(rng)
    await upgrade(MIGRATIONS, url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        print(f"{'denials':>8} {'family avg':>10} {'family max':>10} {'cand avg':>8} "
              f"{'cand max':>8} {'prep p99':>9} {'load p50':>9} {'load p99':>9} "
              f"{'score p50':>9} {'score p99':>9} {'total p50':>9} {'total p99':>9}  (ms)")
        filled = 0
        for size in SIZES:
            t0 = time.perf_counter()
            while filled < size:
                chunk = min(5_000, size - filled)
                batch, keys, filed = rows(chunk, rng, codes, weights)
                async with sessions() as session, session.begin():
                    await session.execute(insert(denials), batch)
                    await session.execute(insert(denial_keys), keys)
                    await session.execute(insert(denial_names), filed)
                filled += chunk
            async with engine.connect() as conn:
                # Statistics as a registry grown over years has them (PostgreSQL's autovacuum
                # analyses; a bulk fill has not yet): without them the planner may not use
                # the name key in the index.
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))
            fill = time.perf_counter() - t0
            preps, loads, scores, totals, cands, families = [], [], [], [], [], []
            for _ in range(queries):
                dest = rng.choices(codes, weights)[0]
                rating = rng.choice(RATINGS)
                end_user, consignee = company(rng), company(rng)
                # Preparing the names asked about is part of a screening (find_matches).
                p = time.perf_counter()
                query = Screening(destination=dest, end_user=prepare(end_user),
                                  consignee=prepare(consignee), rating=rating,
                                  on=dt.date.today(), state="NL")
                a = time.perf_counter()
                async with sessions() as session:
                    found = await load_candidates(
                        session, destination=dest, rating=rating, on=query.on,
                        exclude_state="NL",
                        names=(query.end_user, query.consignee) if indexed else None)
                b = time.perf_counter()
                screen(query, found)
                c = time.perf_counter()
                preps.append(a - p)
                loads.append(b - a)
                scores.append(c - b)
                totals.append(c - p)
                cands.append(len(found))
                async with sessions() as session:
                    families.append(await family_size(session, destination=dest, rating=rating,
                                                      on=query.on))
            print(f"{size:>8} {statistics.mean(families):>10.1f} {max(families):>10} "
                  f"{statistics.mean(cands):>8.1f} {max(cands):>8} {pct(preps, .99):>9.2f} "
                  f"{pct(loads, .5):>9.2f} {pct(loads, .99):>9.2f} {pct(scores, .5):>9.2f} "
                  f"{pct(scores, .99):>9.2f} {pct(totals, .5):>9.2f} {pct(totals, .99):>9.2f}"
                  f"  (filled in {fill:.1f}s)")
    finally:
        await engine.dispose()


async def main() -> None:
    """Measure on a temporary SQLite file, or a fresh database on a PostgreSQL server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-index", action="store_true",
                        help="compare every denial for the destination and rating family")
    parser.add_argument("--postgres", metavar="URL",
                        help="a PostgreSQL server to create a throwaway database on")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_QUERIES} screenings a size instead of {QUERIES} (the same "
                             "sizes: the target is at 100,000)")
    args = parser.parse_args()
    queries = QUICK_QUERIES if args.quick else QUERIES
    if args.postgres:
        url, drop = await create_postgres_database(args.postgres)
        try:
            await measure(url, indexed=not args.no_index, queries=queries)
        finally:
            await drop()
        return
    with tempfile.TemporaryDirectory() as tmp:
        await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'denials.db'}",
                      indexed=not args.no_index, queries=queries)


if __name__ == "__main__":
    asyncio.run(main())
