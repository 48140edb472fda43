"""`python -m bench [--quick] [--only NAME ...]`: run the benchmarks, write BENCHMARKS.md."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import bench_command, bench_http, bench_matching, bench_replay, bench_sanctions
from bench.common import ROOT, Section, load_average, log, machine
from bench.report import render, write

NAMES = ("replay", "command", "intake", "e2e", "denials", "matching", "sanctions")


def run_denials(section: Section, quick: bool) -> None:
    """The denial-matching benchmark, if present, in its own process; its table is kept."""
    module = ROOT / "bench" / "bench_denials.py"
    if not module.exists():
        section.not_run("denial matching", "bench/bench_denials.py is not there yet")
        return
    args = [sys.executable, "-m", "bench.bench_denials"] + (["--quick"] if quick else [])
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900,
                         check=False)
    if out.returncode == 2 and quick and "unrecognized arguments" in out.stderr:
        out = subprocess.run(args[:-1], cwd=ROOT, capture_output=True, text=True, timeout=900,
                             check=False)
    print(out.stdout, flush=True)
    if out.returncode != 0:
        section.not_run("denial matching", f"bench_denials exited {out.returncode}: "
                        f"{out.stderr.strip().splitlines()[-1:] or ''}")
    section.extra = ("Output of `python -m bench.bench_denials` (its own table, targets: p99 "
                     "under 50 ms at 100,000 denials):\n\n```\n" + out.stdout.strip() + "\n```")
    _judge_denials(section, out.stdout)


def _judge_denials(section: Section, table: str) -> None:
    # Its table: a header naming "total p99", then one row per registry size.
    lines = table.splitlines()
    header = next((line for line in lines if "total p99" in line), None)
    if header is None:
        section.check("p99 < 50 ms at 100,000 denials", "no `total p99` column found", None)
        return
    if not header.split("(")[0].rstrip().endswith("total p99"):
        section.check("p99 < 50 ms at 100,000 denials", "`total p99` is not the last column",
                      None)
        return
    for line in lines:
        # The figures of a row come before its note in brackets; `total p99` is the last.
        cells = line.split("(")[0].split()
        if cells and cells[0].replace(",", "") == "100000" and len(cells) >= 2:
            p99 = float(cells[-1])
            section.check("p99 < 50 ms at 100,000 denials (bench_denials' `total p99`)",
                          f"{p99:.1f} ms", p99 < 50)
            return
    section.check("p99 < 50 ms at 100,000 denials", "no 100000 row found", None)


def main(argv: list[str] | None = None) -> int:
    """Run what was asked and write the report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and single runs (under 5 minutes)")
    parser.add_argument("--only", nargs="*", choices=NAMES, default=list(NAMES))
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    q = args.quick
    memory = Section("6. Memory (peak RSS, VmHWM)")
    plan: list[tuple[str, Section, Callable[[Section], None]]] = [
        ("replay", Section("1. Replay: rebuild the report projections from JetStream"),
         lambda s: bench_replay.run(s, [100_000] if q else [100_000, 1_000_000],
                                    runs=1 if q else 3, big_runs=1 if q else 2,
                                    peer_seconds=5 if q else 15)),
        ("command", Section("2. Command path without HTTP (events + outbox, one transaction "
                            "per command)"),
         lambda s: bench_command.run(s, 300 if q else 1000, 3)),
        ("intake", Section("3. Intake over HTTP, 32 concurrent clients"),
         lambda s: bench_http.run_intake(s, memory, 600 if q else 3000, 1 if q else 3)),
        ("e2e", Section("4. End to end: intake to the reporting projection"),
         lambda s: bench_http.run_e2e(s, memory, 1000 if q else 10_000, 200,
                                      600 if q else 3000)),
        ("denials", Section("5. Denial matching"), lambda s: run_denials(s, q)),
        ("matching", Section("7. Entity resolution: labelled name pairs, ours and nomenklatura "
                             "logic-v2"), lambda s: bench_matching.run(s, q)),
        ("sanctions", Section("8. Sanctions screening: 10,000 listed entities beside 100,000 "
                              "denials"), lambda s: bench_sanctions.run(s, q)),
    ]
    started = time.monotonic()
    sections: list[Section] = []
    for name, section, body in plan:
        if name not in args.only:
            continue
        sections.append(section)
        log(f"--- {section.title}")
        t0 = time.monotonic()
        before = load_average()
        try:
            body(section)
        except Exception as exc:  # noqa: BLE001 - one failed benchmark must not sink the rest
            traceback.print_exc()
            section.not_run(section.title, f"{type(exc).__name__}: {exc}")
        section.seconds = time.monotonic() - t0
        section.load = f"{before} at its start, {load_average()} at its end"
        # Written after every benchmark, so an interrupted run keeps what it measured.
        _write(args, sections + ([memory] if memory.rows else []), started, argv)
    text = _write(args, sections + ([memory] if memory.rows else []), started, argv)
    print(text)
    log(f"wrote {args.output}")
    return 0


def _write(args: argparse.Namespace, sections: list[Section], started: float,
           argv: list[str] | None) -> str:
    command = "python -m bench" + ("".join(f" {a}" for a in map(shlex.quote, sys.argv[1:]))
                                   if argv is None else " " + " ".join(argv))
    # The profile and the closing notes are written by hand (bench/notes.md) and kept below the
    # figures, so that a new run does not drop them.
    notes = ROOT / "bench" / "notes.md"
    closing = notes.read_text() if notes.exists() else ""
    text = render(machine(), command.strip(), sections, time.monotonic() - started, closing)
    write(args.output, text)
    return text


if __name__ == "__main__":
    raise SystemExit(main())
