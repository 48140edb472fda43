"""What the durability settings cost, measured on this machine (not a test; the README quotes it).

    python -m tests.cluster.measure_durability [--messages 2000] [--repeat 3]

- JetStream: acknowledged publishes of event-sized messages (1 KB) to a stream of 1 or 3
  replicas on nodes with `sync_interval` at its default (2 minutes) or `always`, one at a time
  and pipelined 256 deep (as the outbox relay publishes a batch).
- SQLite (WAL): one-row transactions committed with `synchronous=NORMAL` and `FULL`.
- PostgreSQL (when LICENSING_TEST_POSTGRES_URL is set): the same with `synchronous_commit`
  off and on.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import nats
from nats.js import api as js_api

from tests.support.system import NatsCluster, postgres_databases, postgres_url

BODY = b"x" * 1000


async def publish_rate(directory: Path, *, nodes: int, sync_interval: str, messages: int,
                       depth: int) -> float:
    """Acknowledged publishes per second."""
    cluster = NatsCluster(directory, nodes, sync_interval=sync_interval).start()
    try:
        nc = await nats.connect(cluster.urls.split(","))
        js = nc.jetstream(timeout=10)
        await js.add_stream(js_api.StreamConfig(name="M", subjects=["m.>"], num_replicas=nodes,
                                                storage=js_api.StorageType.FILE))
        started = time.monotonic()
        for start in range(0, messages, depth):
            await asyncio.gather(*(js.publish("m.x", BODY, headers={"Nats-Msg-Id": str(i)})
                                   for i in range(start, min(start + depth, messages))))
        rate = messages / (time.monotonic() - started)
        await nc.close()
        return rate
    finally:
        cluster.stop()


def sqlite_rate(directory: Path, synchronous: str, commits: int) -> float:
    """One-row commits per second on SQLite in WAL mode."""
    directory.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(directory / "measure.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    started = time.monotonic()
    for _ in range(commits):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (body) VALUES (?)", (BODY.decode(),))
        db.execute("COMMIT")
    rate = commits / (time.monotonic() - started)
    db.close()
    return rate


async def postgres_rate(synchronous_commit: str, commits: int, repeat: int) -> float | None:
    """One-row commits per second on PostgreSQL, or None without a server."""
    import asyncpg

    base = postgres_url()
    if base is None:
        return None
    async with postgres_databases(base, ["measure"]) as urls:
        conn = await asyncpg.connect(urls["measure"])
        try:
            await conn.execute(f"SET synchronous_commit = {synchronous_commit}")
            await conn.execute("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, body TEXT)")
            runs = []
            for _run in range(repeat):
                started = time.monotonic()
                for _ in range(commits):
                    async with conn.transaction():
                        await conn.execute("INSERT INTO t (body) VALUES ($1)", BODY.decode())
                runs.append(commits / (time.monotonic() - started))
            return statistics.median(runs)
        finally:
            await conn.close()


async def main(messages: int, repeat: int) -> None:
    """Print the medians of `repeat` runs as Markdown tables."""
    print("| JetStream, 1 KB messages | one at a time | 256 in flight |\n|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in (1, 3):
            for sync in ("2m", "always"):
                rates = []
                for depth in (1, 256):
                    runs = [await publish_rate(Path(tmp) / f"r{nodes}-{sync}-{depth}-{run}",
                                               nodes=nodes, sync_interval=sync,
                                               messages=messages, depth=depth)
                            for run in range(repeat)]
                    rates.append(statistics.median(runs))
                label = f"R{nodes}, sync_interval {'2m (default)' if sync == '2m' else sync}"
                print(f"| {label} | {rates[0]:,.0f}/s | {rates[1]:,.0f}/s |")
        print("\n| database, one-row transactions | commits |\n|---|---:|")
        for synchronous in ("NORMAL", "FULL"):
            rate = statistics.median(
                sqlite_rate(Path(tmp) / f"{synchronous}-{run}", synchronous, messages)
                for run in range(repeat))
            print(f"| SQLite WAL, synchronous={synchronous} | {rate:,.0f}/s |")
        for setting in ("off", "on"):
            pg = await postgres_rate(setting, messages, repeat)
            if pg is not None:
                print(f"| PostgreSQL, synchronous_commit={setting} | {pg:,.0f}/s |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.messages, arguments.repeat))
