"""An A/B of intake over HTTP: variants started side by side, measured interleaved, medians.

`python -m bench.ab NAME=SPEC ... [--n N] [--runs R]` where SPEC is `KEY=VALUE,...` environment
for the service and optionally `@TREE`, a source tree to run it from (another checkout, say
`git archive main | tar -x -C /tmp/base`). Example, uvloop and httptools against uvicorn's
pure-Python loop and parser:

    python -m bench.ab c=LICENSING_LOOP=uvloop,LICENSING_HTTP=httptools \\
        py=LICENSING_LOOP=asyncio,LICENSING_HTTP=h11

Each run measures every variant once, in turn (A B A B ...), so that the machine's load, which
others share, weighs on all of them alike; the load average is printed beside each figure.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from bench.bench_http import CONCURRENCY, Body, probe
from bench.common import ROOT, Section, ServiceProcess, load_average, log, nats_server
from bench.load import closed_loop


def parse_variant(text: str) -> tuple[str, dict[str, str], Path]:
    """`name=K=V,K=V@tree` as (name, environment, tree)."""
    name, _, spec = text.partition("=")
    spec, _, tree = spec.partition("@")
    env = dict(item.split("=", 1) for item in spec.split(",") if item)
    return name, env, Path(tree) if tree else ROOT


def main(argv: list[str] | None = None) -> int:
    """Run the variants interleaved and print their medians."""
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("variants", nargs="+")
    parser.add_argument("--n", type=int, default=1500, help="requests per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    variants = [parse_variant(v) for v in args.variants]
    figures: dict[str, list[tuple[float, float, str]]] = {name: [] for name, _, _ in variants}
    with tempfile.TemporaryDirectory() as tmp, nats_server(Path(tmp) / "nats") as server:
        procs = []
        try:
            for name, env, tree in variants:
                procs.append(ServiceProcess("intake", Path(tmp) / name, server.url, env=env,
                                            tree=tree).start())
            bodies = [Body(f"ab{name}") for name, _, _ in variants]
            for proc, body in zip(procs, bodies, strict=True):
                url = f"{proc.url}/v1/applications"
                asyncio.run(probe(url, body, Section("probe")))
                asyncio.run(closed_loop(url, body, 100, CONCURRENCY, first=10))
            for run in range(args.runs):
                for (name, _, _), proc, body in zip(variants, procs, bodies, strict=True):
                    load = load_average()
                    result = asyncio.run(closed_loop(f"{proc.url}/v1/applications", body,
                                                     args.n, CONCURRENCY,
                                                     first=1000 + run * args.n))
                    figures[name].append((result.rate, result.p(99) or 0, load))
                    log(f"run {run + 1} {name}: {result.rate:,.0f} requests/s, p99 "
                        f"{result.p(99) or 0:,.0f} ms (load {load})")
        finally:
            for proc in procs:
                proc.stop()
    print("| variant | requests/s (median) | p99 ms (median) | runs (requests/s @ load) |")
    print("|---|---:|---:|---|")
    for name, values in figures.items():
        rates = [r for r, _, _ in values]
        p99s = [p for _, p, _ in values]
        runs = ", ".join(f"{r:,.0f} @ {load.split()[0]}" for r, _, load in values)
        print(f"| {name} | {statistics.median(rates):,.0f} | {statistics.median(p99s):,.0f} | "
              f"{runs} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
