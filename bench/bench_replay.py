"""1. Replay: rebuild the report projections from the JetStream log, against its raw read rate."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Section, fmt, log, machine, nats_server
from bench.logstore import ensure_store
from bench.report import render

CACHE = ROOT / "var" / "bench"


def _worker(mode: str, url: str, work: Path, expect: int, budget: float,
            timeout: float) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    with open(work / "worker.log", "ab") as err:
        out = subprocess.run(
            [sys.executable, "-m", "bench.replay_worker", mode, url, str(work), str(expect),
             str(budget)], stdout=subprocess.PIPE, stderr=err, timeout=timeout, cwd=ROOT,
            check=False)
    lines = [line for line in out.stdout.decode().splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{mode} worker gave no result (exit {out.returncode}); "
                           f"see {work / 'worker.log'}")
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def run(section: Section, sizes: list[int], runs: int, big_runs: int, peer_seconds: float) -> None:
    """Measure raw read, rebuild and the one-event-at-a-time peer for each log size."""
    for size in sizes:
        store = CACHE / f"log-{size}"
        store.mkdir(parents=True, exist_ok=True)
        n_runs = runs if size <= 100_000 else big_runs
        with nats_server(store) as server, tempfile.TemporaryDirectory() as tmp:
            how = ensure_store(store, server.url, size)
            section.notes.append(f"{size:,}-event log: {how} (store {store})")
            raw, rebuild, peer, hwm, read = [], [], [], [], []
            for i in range(n_runs):
                log(f"replay {size:,}: raw read run {i + 1}")
                raw.append(_worker("raw", server.url, Path(tmp) / f"raw{i}", size, 0,
                                   600)["rate"])
                log(f"replay {size:,}: rebuild run {i + 1}")
                result = _worker("rebuild", server.url, Path(tmp) / f"rebuild{i}", size, 0,
                                 900)
                if result["events"] != size:
                    section.notes.append(f"rebuild {size:,} run {i + 1} replayed "
                                         f"{result['events']} events, not {size}")
                rebuild.append(result["rate"])
                hwm.append(result["hwm_mb"])
                read.append(result.get("events_read") or size)
            log(f"replay {size:,}: one-event-at-a-time peer for {peer_seconds:.0f}s")
            result = _worker("peer", server.url, Path(tmp) / "peer", size, peer_seconds, 600)
            peer.append(result["rate"])
            if result.get("time_boxed"):
                section.notes.append(
                    f"peer at {size:,}: time-boxed to {peer_seconds:.0f}s ({result['events']:,} "
                    "events); its rate is per event and does not depend on the log size")
            section.notes.append(
                f"rebuild at {size:,}: fetched {max(read):,} of the {size:,} events (only the "
                "types that set a fact are read; its rate counts the whole log)")
            r_raw = section.add(f"raw ordered-consumer read, {size:,} events", raw, "events/s")
            r_reb = section.add(f"reporting rebuild, {size:,} events", rebuild, "events/s")
            r_peer = section.add(f"peer: one event per transaction, {size:,}-event log", peer,
                                 "events/s")
            section.add(f"rebuild process peak RSS, {size:,} events", hwm, "MB")
            of_raw = section.ratio(f"rebuild / raw read ({size:,})", r_reb.value, r_raw.value)
            over_peer = section.ratio(f"rebuild / one-at-a-time peer ({size:,})", r_reb.value,
                                      r_peer.value)
            _ = of_raw
            section.at_least(f"rebuild ≥ 100,000 events/s ({size:,}-event log)", r_reb,
                             100_000, reference=r_raw)
            section.against(f"rebuild ≥ 0.5× the raw ordered read ({size:,}-event log)", r_reb,
                            r_raw, 0.5)
            section.check(f"rebuild ≥ 10 × peer ({size:,})", f"{fmt(over_peer, 1)}×",
                          over_peer is not None and over_peer >= 10, earlier=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.bench_replay [--sizes N ...] [--runs N]`: this benchmark alone, printed."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_replay", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    section = Section("1. Replay: rebuild the report projections from JetStream")
    started = time.monotonic()
    run(section, args.sizes, runs=args.runs, big_runs=max(1, args.runs - 1),
        peer_seconds=args.peer_seconds)
    section.seconds = time.monotonic() - started
    print(render(machine(), "python -m bench.bench_replay " + " ".join(argv or sys.argv[1:]),
                 [section], section.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
