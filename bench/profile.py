"""Where the time goes: py-spy samples a real process under load, grouped by what the code does.

`python -m bench.profile intake|command|rebuild [--seconds S]` prints, for the unit of work of
each (an HTTP request to intake, a command through the group committer, an event of a rebuild),
the CPU milliseconds it costs and how they split between the layers (the frame nearest the leaf
that belongs to a known package names the layer). py-spy must be installed (a dev dependency);
it samples the process from outside (`py-spy record --format raw`), every thread included, so
the driver's thread counts too. Not a test, and not part of `python -m bench` (a profile slows
what it measures).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import ROOT, ServiceProcess, load_average, log, nats_server

RATE = 250  # samples per second

# The layer of a frame, by the path of its file (first match wins; order matters).
LAYERS: list[tuple[str, str]] = [
    ("/uvicorn/", "uvicorn + HTTP parsing (h11 / httptools)"),
    ("/h11/", "uvicorn + HTTP parsing (h11 / httptools)"),
    ("/httptools/", "uvicorn + HTTP parsing (h11 / httptools)"),
    ("/httpx/", "load generator (httpx)"),
    ("/httpcore/", "load generator (httpx)"),
    ("/aiosqlite/", "aiosqlite (hand-offs to the driver thread)"),
    ("/sqlalchemy/", "SQLAlchemy (ORM/Core, asyncio adapter)"),
    ("sqlite3", "sqlite3 driver (statements, commit, fsync)"),
    ("/asyncpg/", "asyncpg"),
    ("/pydantic", "pydantic (validation, serialisation)"),
    ("/fastapi/", "FastAPI (routing, dependencies, encoding)"),
    ("/starlette/", "Starlette (middleware, responses)"),
    ("/anyio/", "anyio (threadpool hand-offs)"),
    ("/jwt/", "JWT verification"),
    ("/cryptography/", "JWT verification"),
    ("/opentelemetry/", "OpenTelemetry"),
    ("/nats/", "nats-py (publish, fetch, acks)"),
    ("orjson", "JSON (orjson / json)"),
    ("/json/", "JSON (orjson / json)"),
    ("/hashlib", "hashing"),
    ("/shared/", "our code: shared/"),
    ("/services/", "our code: services/"),
    ("/eventsourcing/", "eventsourcing"),
    ("/asyncio/", "asyncio event loop and tasks"),
    ("/uvloop/", "asyncio event loop and tasks"),
    ("/threading.py", "threads (waiting, waking)"),
    ("/queue.py", "threads (waiting, waking)"),
    ("/logging/", "logging"),
]


POLL = "waiting in the event loop's poll (idle; uvloop: its C loop too)"
# Frames innermost while the loop waits for I/O: the selector (asyncio), or the loop itself when
# it is uvloop (its poll and its own work are C, below any Python frame).
_POLL_LEAVES = ("select (", "Runner.run (", "run_until_complete (", "run_forever (",
                "asyncio_run (")


def _polling(stack: str) -> bool:
    leaf = stack.rsplit(";", 1)[-1]
    return leaf.lstrip().startswith(_POLL_LEAVES) or ".select (" in leaf


def layer_of(stack: str) -> str:
    """The layer of a sampled stack: its innermost frame from a known place."""
    frames = stack.split(";")
    for frame in reversed(frames):
        for needle, name in LAYERS:
            if needle in frame:
                return name
    return "other (interpreter, C code, unknown)"


def read_raw(path: Path) -> tuple[Counter[str], Counter[str]]:
    """py-spy's raw (collapsed) output, `stack count` per line: samples by layer and by
    innermost Python function."""
    layers: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            if _polling(stack):
                layers[POLL] += int(count)
                continue
            layers[layer_of(stack)] += int(count)
            leaf = stack.split(";")[-1]
            name, _, where = leaf.partition(" (")
            where = where.rsplit(":", 1)[0]
            short = "/".join(where.split("/")[-2:])
            leaves[f"{name} ({short})"] += int(count)
    return layers, leaves


def table(title: str, samples: tuple[Counter[str], Counter[str]], units: int, unit: str,
          seconds: float, top: int = 12) -> str:
    """Milliseconds per unit of work by layer, and the functions that take the most. A sample
    is a moment a thread was not idle (on a core, or waiting for one: on a loaded machine the
    milliseconds are longer than the work)."""
    layers, leaves = samples
    idle = layers.pop(POLL, 0)
    total = sum(layers.values()) or 1
    busy = total / RATE
    lines = [f"{title}: {units:,} {unit}s in {seconds:.1f} s ({units / seconds:,.0f}/s), "
             f"{busy:.1f} s sampled busy, {1000 * busy / max(units, 1):.2f} ms per {unit}; "
             f"load average {load_average()}", "",
             f"| layer | ms per {unit} | share |", "|---|---:|---:|"]
    for name, count in layers.most_common():
        lines.append(f"| {name} | {1000 * count / RATE / max(units, 1):.3f} | "
                     f"{100 * count / total:.1f}% |")
    lines.append(f"| (not counted above: {POLL}) | {1000 * idle / RATE / max(units, 1):.3f} "
                 "| |")
    lines += ["", f"| innermost Python function (C code it calls included) | ms per {unit} | "
                  "share |", "|---|---:|---:|"]
    for name, count in leaves.most_common(top):
        lines.append(f"| `{name}` | {1000 * count / RATE / max(units, 1):.3f} | "
                     f"{100 * count / total:.1f}% |")
    return "\n".join(lines)


def spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy recording `pid` (all threads, not idle) until stopped."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--format", "raw", "--rate",
                             str(RATE), "--nonblocking", "--full-filenames", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_spy(proc: subprocess.Popen[bytes]) -> None:
    """py-spy writes its output on SIGINT."""
    proc.send_signal(2)
    proc.wait(timeout=60)


def profile_intake(n: int, env: dict[str, str], tree: Path = ROOT) -> str:
    """Intake as a real uvicorn process, 32 concurrent clients, py-spy on the server."""
    from bench.bench_http import CONCURRENCY, Body, probe
    from bench.common import Section
    from bench.load import closed_loop

    with tempfile.TemporaryDirectory() as tmp, nats_server(Path(tmp) / "nats") as server:
        intake = ServiceProcess("intake", Path(tmp) / "intake", server.url, env=env,
                                tree=tree).start()
        try:
            body = Body("prof")
            url = f"{intake.url}/v1/applications"
            asyncio.run(probe(url, body, Section("probe")))
            asyncio.run(closed_loop(url, body, 200, CONCURRENCY, first=10))  # warm up
            assert intake.proc is not None
            raw = Path(tmp) / "intake.txt"
            recorder = spy(intake.proc.pid, raw)
            time.sleep(1.0)
            started = time.monotonic()
            result = asyncio.run(closed_loop(url, body, n, CONCURRENCY, first=1000))
            seconds = time.monotonic() - started
            stop_spy(recorder)
            title = "intake POST /v1/applications at 32 clients" + \
                (f" ({', '.join(f'{k}={v}' for k, v in env.items())})" if env else "")
            return table(title, read_raw(raw),
                         sum(c for s, c in result.statuses.items() if 200 <= s < 300),
                         "request", seconds)
        finally:
            intake.stop()


def profile_command(n: int) -> str:
    """The command path (EventStore.append in the group committer) in a child process."""
    with tempfile.TemporaryDirectory() as tmp:
        code = ("import asyncio, sys; from bench.bench_command import measure_store; "
                f"asyncio.run(measure_store('sqlite+aiosqlite:///{tmp}/c.db', {n}, 1, "
                "only='groupcommit'))")
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stderr=subprocess.PIPE)
        raw = Path(tmp) / "command.txt"
        assert proc.stderr is not None
        # Imports, tables and the prepared rows are not the command path: it starts once the
        # run is announced.
        while b": run 1" not in proc.stderr.readline():
            pass
        recorder = spy(proc.pid, raw)
        started = time.monotonic()
        proc.wait()
        seconds = time.monotonic() - started
        stop_spy(recorder)
        return table("command path, SQLite, one command after another", read_raw(raw), n,
                     "command", seconds)


def profile_rebuild(size: int, tree: Path = ROOT) -> str:
    """Reporting's rebuild of the benchmark's stored log, in the replay worker."""
    from bench.bench_replay import CACHE
    from bench.logstore import ensure_store

    store = CACHE / f"log-{size}"
    store.mkdir(parents=True, exist_ok=True)
    with nats_server(store) as server, tempfile.TemporaryDirectory() as tmp:
        ensure_store(store, server.url, size)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.replay_worker", "rebuild", server.url, tmp,
             str(size), "0"], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(tree)})
        raw = Path(tmp) / "rebuild.txt"
        time.sleep(2.0)  # the service's start (migrations) is not the rebuild
        recorder = spy(proc.pid, raw)
        started = time.monotonic()
        out, _ = proc.communicate()
        seconds = time.monotonic() - started
        stop_spy(recorder)
        log(out.decode().strip())
        return table(f"rebuild of a {size:,}-event log (from 2 s after start)", read_raw(raw),
                     size, "event", seconds)


def main(argv: list[str] | None = None) -> int:
    """Profile what was asked and print the tables."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("what", nargs="+", choices=("intake", "command", "rebuild"))
    parser.add_argument("--n", type=int, default=0, help="units of work (default per kind)")
    parser.add_argument("--env", default="", help="K=V,... for the intake process")
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="the source tree intake or the rebuild runs from (another "
                             "checkout)")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env.split(",") if item)
    for what in args.what:
        if what == "intake":
            print(profile_intake(args.n or 2000, env, args.tree), flush=True)
        elif what == "command":
            print(profile_command(args.n or 1000), flush=True)
        else:
            print(profile_rebuild(args.n or 100_000, args.tree), flush=True)
        print(flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
