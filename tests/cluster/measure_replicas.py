"""Two assessment and two reporting processes on a three-node cluster, under N applications
(not a test: `tests/cli/test_replicas.py` runs the same shape with 60 in the suite).

    python -m tests.cluster.measure_replicas [--applications 1000]

`licensing up --replicas assessment=2 --replicas reporting=2` on a three-node JetStream cluster
(stream at three replicas): customs posts N applications, both assessment processes decide half
of them at once; it checks that every application has exactly one case on either process, that
both reporting processes count N, and that `licensing verify` finds every chain intact against
the cluster's log, and prints how the work was split.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.cli.conftest import start_up
from tests.cli.test_replicas import Replicated, _summary, approve, cases, processed
from tests.cli.test_supervisor import submit
from tests.e2e.conftest import wait_until
from tests.support.system import NatsCluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=1000)
    n = parser.parse_args().applications
    root = Path(tempfile.mkdtemp(prefix="replicas-"))
    cluster = NatsCluster(root / "nats", 3).start()
    started = time.monotonic()
    up = start_up(root / "project", "--replicas", "assessment=2", "--replicas", "reporting=2",
                  env={"LICENSING_NATS_URL": cluster.urls, "LICENSING_NATS_REPLICAS": "3"})
    try:
        second = {s: f"http://127.0.0.1:{up.ports[s] + 100}" for s in ("assessment", "reporting")}
        tokens = {role: up.token(role) for role in ("customs", "assessor", "reporter")}
        run = Replicated(up, set(), second, tokens)
        with ThreadPoolExecutor(6) as pool:
            run.ids = set(pool.map(lambda _n: submit(up, tokens["customs"]), range(n)))
        print(f"{len(run.ids)} accepted after {time.monotonic() - started:.0f} s", flush=True)
        wait_until(lambda: len(cases(up.url("assessment"), tokens["assessor"],
                                     screening="completed")) == n, timeout=900, interval=2)
        for url in run.both("assessment"):
            listed = cases(url, tokens["assessor"])
            assert len(listed) == len(set(listed)) == n and set(listed) == run.ids, url
        split = [processed(url, "assessment") for url in run.both("assessment")]
        print(f"{n} cases, one each, after {time.monotonic() - started:.0f} s; intake events "
              f"taken by each assessment process: {split}", flush=True)

        def decide(pair: tuple[int, str]) -> int:
            number, case_id = pair
            url = run.both("assessment")[number % 2]
            return approve(url, case_id, tokens["assessor"], attempts=10).status_code

        with ThreadPoolExecutor(6) as pool:
            outcomes = list(pool.map(decide, enumerate(sorted(run.ids))))
        print(f"decisions: {({s: outcomes.count(s) for s in set(outcomes)})}", flush=True)
        wait_until(lambda: all(_summary(run, url)["approved"] == str(n)
                               for url in run.both("reporting")), timeout=600, interval=2)
        for url in run.both("reporting"):
            print(url, _summary(run, url), flush=True)
        print("events taken by each reporting process:",
              [processed(url, "reporting") for url in run.both("reporting")])
        verified = up.run("verify")
        print(f"verify: exit {verified.returncode}\n{verified.stdout[-600:]}")
        print(f"done after {time.monotonic() - started:.0f} s")
    finally:
        up.stop(signal.SIGTERM)
        cluster.stop()


if __name__ == "__main__":
    main()
