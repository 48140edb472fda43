"""3. Intake over HTTP, 4. end to end into reporting, 6. memory of the services."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
from nats.js import api as js_api

from bench.common import (
    ROOT,
    Section,
    ServiceProcess,
    fmt,
    log,
    nats_server,
    vm_hwm_mb,
    wait_healthy,
)
from bench.events import application_body
from bench.load import OPEN, LoadResult, closed_loop, fixed_rate
from licensing.nats_server import free_port
from tests.harness import token

CONCURRENCY = 32


class Body:
    """Request bodies: the contract's, or without `applicant` if intake refuses it."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.drop: tuple[str, ...] = ()
        self.headers = {"Authorization": f"Bearer {token('customs', sub='bench')}"}

    def __call__(self, i: int) -> tuple[dict[str, Any], dict[str, str]]:
        body = application_body(i)
        body["reference"] = f"{self.tag}-{body['reference']}"
        for key in self.drop:
            body.pop(key, None)
        return body, {**self.headers, "Idempotency-Key": f"{self.tag}-{i}"}


async def probe(url: str, body: Body, section: Section) -> bool:
    """One request first: the body must be accepted, or the run would measure errors."""
    result = await closed_loop(url, body, 1, 1, first=10**8)
    if result.statuses.get(201):
        return True
    if "applicant" in result.first_problem:
        body.drop = ("applicant",)
        section.notes.append("intake refused the contract's `applicant` field "
                             f"({result.first_problem[:160]}); the body was sent without it")
        result = await closed_loop(url, body, 1, 1, first=10**8 + 1)
        if result.statuses.get(201):
            return True
    section.not_run("intake", f"a valid application was not accepted: {result.first_problem}")
    return False


class BareServer:
    """The reference endpoint as a uvicorn process."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BareServer:
        env = {**os.environ, "BENCH_BARE_DB": str(self.directory / "bare.db")}
        logfile = open(self.directory / "bare.log", "ab")  # noqa: SIM115 - child keeps it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            env=env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT)
        wait_healthy(f"http://127.0.0.1:{self.port}", self.proc)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _load_rows(section: Section, label: str, results: list[LoadResult]) -> tuple[Any, Any, Any]:
    rate = section.add(f"{label}: throughput", [r.rate for r in results], "requests/s")
    p50 = section.add(f"{label}: p50 latency", [r.p(50) or 0 for r in results], "ms")
    p99 = section.add(f"{label}: p99 latency", [r.p(99) or 0 for r in results], "ms")
    bad = sum(sum(n for s, n in r.statuses.items() if not 200 <= s < 300) + r.errors
              for r in results)
    if bad:
        section.notes.append(f"{label}: {bad} requests failed "
                             f"({results[-1].first_problem[:200] or 'connection errors'})")
    return rate, p50, p99


def run_intake(section: Section, memory: Section, n: int, runs: int) -> None:
    """Intake against the bare endpoint, 32 concurrent clients each."""
    with tempfile.TemporaryDirectory() as tmp, nats_server(Path(tmp) / "nats") as server:
        tmpdir = Path(tmp)
        intake = ServiceProcess("intake", tmpdir / "intake", server.url).start()
        try:
            body = Body("http")
            url = f"{intake.url}/v1/applications"
            if not asyncio.run(probe(url, body, section)):
                return
            bare_body, raw_body = Body("bare"), Body("raw")
            results_intake, results_bare, results_raw = [], [], []
            with BareServer(tmpdir) as bare:
                bare_url = f"http://127.0.0.1:{bare.port}/v1/applications"
                raw_url = f"http://127.0.0.1:{bare.port}/v1/raw"
                for run in range(runs):
                    log(f"intake http: run {run + 1} (raw, bare, then intake)")
                    results_raw.append(asyncio.run(closed_loop(
                        raw_url, raw_body, n, CONCURRENCY, first=run * n)))
                    results_bare.append(asyncio.run(closed_loop(
                        bare_url, bare_body, n, CONCURRENCY, first=run * n)))
                    results_intake.append(asyncio.run(closed_loop(
                        url, body, n, CONCURRENCY, first=run * n)))
            section.notes.append(f"{n:,} requests per run at {CONCURRENCY} concurrent clients "
                                 f"(httpx AsyncClient), medians of {runs} runs, the three "
                                 "interleaved in each run; the bare endpoint (the peer): "
                                 "FastAPI + uvicorn validating the same body with pydantic, one "
                                 "SQLite insert and commit per request (WAL, synchronous=FULL), "
                                 "like intake's database; the limit: the same app storing the "
                                 "body unvalidated")
            r_rate, _r50, _r99 = _load_rows(section, "limit: bare FastAPI, one commit per "
                                            "request, no validation", results_raw)
            b_rate, _b50, _b99 = _load_rows(section, "peer: bare endpoint, same validation",
                                            results_bare)
            i_rate, _i50, i99 = _load_rows(section, "intake service", results_intake)
            section.ratio("intake / bare endpoint throughput", i_rate.value, b_rate.value)
            section.ratio("intake / bare FastAPI limit throughput", i_rate.value, r_rate.value)
            section.against(f"intake at {CONCURRENCY} clients: ≥ 1.0× the bare endpoint",
                            i_rate, b_rate, 1.0)
            section.below(f"intake at {CONCURRENCY} clients: p99 < 250 ms", i99, 250)
            memory.add("intake peak RSS after the HTTP intake runs", [intake.hwm_mb() or 0],
                       "MB")
        finally:
            intake.stop()


async def _raw_limit(url: str, bodies: list[bytes]) -> float:
    """Publish every message to JetStream and consume (and ack) them: messages/s end to end."""
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=30)
    stream = f"RAWBENCH{int(time.time() * 1000) % 10**6}"
    await js.add_stream(js_api.StreamConfig(name=stream, subjects=[f"{stream.lower()}.>"]))
    sub = await js.pull_subscribe(f"{stream.lower()}.>", durable="raw", stream=stream)
    started = time.perf_counter()

    async def consume() -> None:
        got = 0
        while got < len(bodies):
            with contextlib.suppress(TimeoutError):
                for msg in await sub.fetch(256, timeout=1.0):
                    await msg.ack()
                    got += 1

    consumer = asyncio.ensure_future(consume())
    pending = []
    for i, data in enumerate(bodies):
        pending.append(js.publish(f"{stream.lower()}.e{i}", data))
        if len(pending) >= 256:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
    await consumer
    seconds = time.perf_counter() - started
    await js.delete_stream(stream)
    await nc.close()
    return len(bodies) / seconds


class Tracker:
    """When each application's event reached the log, and when reporting had committed it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seq_of: dict[str, int] = {}
        self.floor: list[tuple[float, int]] = []
        self._stop = asyncio.Event()

    async def run(self) -> None:
        """Follow intake's events and reporting's ack floor until stopped."""
        nc = await nats.connect(self.url)
        js = nc.jetstream(timeout=10)

        async def seen(msg: Any) -> None:
            self.seq_of[msg.subject.split(".")[2]] = msg.metadata.sequence.stream

        sub = await js.subscribe("lic.intake.>", stream="LICENSING", cb=seen,
                                 ordered_consumer=True)
        while not self._stop.is_set():
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                info = await js.consumer_info("LICENSING", "reporting")
                self.floor.append((time.perf_counter(), int(info.ack_floor.stream_seq or 0)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 0.01)
        await sub.unsubscribe()
        await nc.close()

    def stop(self) -> None:
        """Stop following."""
        self._stop.set()

    def committed_at(self, seq: int) -> float | None:
        """The first time reporting's ack floor covered `seq`."""
        # The ack floor only grows, so the first sample covering seq is found by bisection.
        i = bisect.bisect_left(self.floor, seq, key=lambda sample: sample[1])
        return self.floor[i][0] if i < len(self.floor) else None

    async def wait_all(self, count: int, timeout: float) -> float | None:
        """Wait until `count` applications are known and all committed; when that happened."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if len(self.seq_of) >= count and self.floor:
                top = max(self.seq_of.values())
                done = self.committed_at(top)
                if done is not None:
                    return done
            await asyncio.sleep(0.05)
        return None


def _accepted(result: LoadResult) -> int:
    return sum(n for status, n in result.statuses.items() if 200 <= status < 300)


async def _e2e(url: str, server_url: str, body: Body, n: int, rates: list[float],
               rate_n: int, first: int,
               services: tuple[ServiceProcess, ...] = ()) -> dict[str, Any]:
    tracker = Tracker(server_url)
    task = asyncio.ensure_future(tracker.run())
    await asyncio.sleep(0.3)
    started = time.perf_counter()
    burst = await closed_loop(url, body, n, CONCURRENCY, first=first)
    # The applications accepted (+ the probe's): a request that failed never reaches the log,
    # and waiting for it would wait out the timeout.
    expected = _accepted(burst) + 1
    done = await tracker.wait_all(expected, timeout=300)
    burst_seconds = (done - started) if done else None
    hwm_burst = {svc.name: svc.hwm_mb() for svc in services}
    paced: dict[float, tuple[LoadResult, list[float]]] = {}
    for rate in rates:
        first += n if not paced else rate_n
        result = await fixed_rate(url, body, rate_n, rate, first=first)
        expected += _accepted(result)
        await tracker.wait_all(expected, timeout=300)
        latencies = []
        for app_id, sent in result.sent_at.items():
            seq = tracker.seq_of.get(app_id)
            at = tracker.committed_at(seq) if seq else None
            if at is not None:
                latencies.append(at - sent)
        paced[rate] = (result, latencies)
    tracker.stop()
    await task
    return {"burst": burst, "burst_seconds": burst_seconds, "paced": paced,
            "hwm_burst": hwm_burst}


def run_e2e(section: Section, memory: Section, n: int, rate: float, rate_n: int) -> None:
    """10,000 applications through intake into reporting's projection, and a fixed-rate run."""
    from bench.common import percentile

    with tempfile.TemporaryDirectory() as tmp, nats_server(Path(tmp) / "nats") as server:
        tmpdir = Path(tmp)
        body = Body("e2e")
        sample = [body(i)[0] for i in range(n)]
        import json

        raw_rate = asyncio.run(_raw_limit(server.url, [json.dumps(b).encode() for b in sample]))
        intake = ServiceProcess("intake", tmpdir / "intake", server.url).start()
        reporting = ServiceProcess("reporting", tmpdir / "reporting", server.url).start()
        try:
            if not asyncio.run(probe(f"{intake.url}/v1/applications", body, section)):
                return
            log(f"end to end: {n:,} applications, then {rate_n:,} at {rate:.0f}/s")
            # The target's rate, then half of it: latency with the service loaded, not overrun.
            out = asyncio.run(_e2e(f"{intake.url}/v1/applications", server.url, body, n,
                                   [rate, rate / 2], rate_n, 0, (intake, reporting)))
            burst_rate = n / out["burst_seconds"] if out["burst_seconds"] else None
            limit = section.add(f"limit: raw JetStream publish + consume of {n:,} messages",
                                [raw_rate], "messages/s")
            sustained = section.add(f"{n:,} applications posted until all in reporting",
                                    [burst_rate] if burst_rate else [], "applications/s",
                                    note=f"{fmt(out['burst_seconds'], 1)} s in all; HTTP side "
                                         f"alone {fmt(out['burst'].rate)} requests/s")
            p99 = None
            for paced_rate, (result, seconds) in out["paced"].items():
                lat = [x * 1000 for x in seconds]
                p50s = [v for v in (percentile(lat, 50),) if v is not None]
                p99s = [v for v in (percentile(lat, 99),) if v is not None]
                section.add(f"submit-to-projection p50 at {paced_rate:.0f}/s", p50s, "ms")
                row = section.add(f"submit-to-projection p99 at {paced_rate:.0f}/s", p99s, "ms")
                p99 = row if paced_rate == rate else p99
                section.notes.append(
                    f"at {paced_rate:.0f}/s: latency over {len(lat):,} of {rate_n:,} "
                    f"applications sent at a fixed rate (at most {OPEN} requests in flight, "
                    "the rest counted from when they were due), measured from sending the "
                    "request to reporting's durable consumer acking the event (after its "
                    "transaction committed), polled every 10 ms; requests completed per second "
                    f"over that run: {fmt(result.rate)}")
            section.notes.append("one run (intake and reporting as real processes, one "
                                 "nats-server)")
            assert p99 is not None
            ratio = section.ratio("sustained / raw JetStream limit", sustained.value, limit.value)
            _ = ratio
            section.at_least("end to end: ≥ 600 applications/s sustained into the reporting "
                             "projection", sustained, 600, reference=limit)
            section.check("sustained ≥ 30% of the raw limit", f"{fmt((ratio or 0) * 100, 1)}%",
                          ratio is not None and ratio >= 0.3, earlier=True)
            section.below(f"end to end: p99 submit-to-projection < 500 ms at {rate:.0f}/s", p99,
                          500)
            for svc in (intake, reporting):
                hwm = svc.hwm_mb() or 0
                half = out["hwm_burst"].get(svc.name)
                early = memory.add(f"{svc.name} peak RSS after the first {n:,} applications",
                                   [half] if half else [], "MB")
                peak = memory.add(f"{svc.name} peak RSS during end to end "
                                  f"({n + 2 * rate_n:,} applications)", [hwm], "MB")
                memory.below(f"{svc.name}: peak RSS < 200 MB during the end-to-end run", peak,
                             200)
                growth = hwm / half if half else None
                memory.check(f"{svc.name}: flat as the log grows (peak grows < 10% over the "
                             f"last {2 * rate_n:,} applications)",
                             f"{fmt(hwm, 1)} MB after {fmt(half, 1)} MB",
                             None if growth is None else growth < 1.10,
                             reference=f"{early.name}: {fmt(half, 1)} MB", ratio=growth)
        finally:
            intake.stop()
            reporting.stop()
    _ = vm_hwm_mb
