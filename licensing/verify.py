"""`licensing verify`: every stream of every service, checked link by link."""

from __future__ import annotations

import importlib
from pathlib import Path

from shared.db.engine import make_engine, make_sessionmaker
from shared.eventstore import verify_store

SERVICES = ("intake", "assessment", "denials", "reporting")


async def verify_all(data_dir: Path) -> int:
    """Print each service's verdict; non-zero when any stream is broken."""
    broken_total = 0
    missing = 0
    for name in SERVICES:
        settings = importlib.import_module(f"services.{name}.settings").Settings(
            data_dir=data_dir)
        metadata = importlib.import_module(f"services.{name}.db").metadata
        url = settings.database_url
        if url.startswith("sqlite") and not Path(url.split("///", 1)[1]).exists():  # noqa: ASYNC240
            print(f"{name}: no database at {url.split('///', 1)[1]}: is {data_dir} the data "
                  "dir `licensing up` uses? (--data-dir, LICENSING_DATA_DIR)")
            missing += 1
            continue
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session:
                streams, broken = await verify_store(session, metadata)
        finally:
            await engine.dispose()
        if broken:
            broken_total += len(broken)
            print(f"{name}: {streams} streams, {len(broken)} BROKEN")
            for link in broken:
                print(f"  first broken link: {link}")
        else:
            print(f"{name}: {streams} streams intact")
    return 1 if broken_total or missing else 0
