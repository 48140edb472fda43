"""A database locked past the busy timeout: every request that needs it answers 503
problem+json with Retry-After (the connection kept), `/ready` answers 503 while it lasts, and the
service recovers by itself once the lock is gone. Real SQLite, real nats-server, real uvicorn."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from licensing.nats_server import free_port
from shared.auth import issue_token
from tests.harness import NatsServer, locked
from tests.intake.conftest import application
from tests.support.system import SECRET, ServiceProcess, service_env

BUSY = 1.0  # the service's busy timeout in this test (seconds)




@pytest.fixture
async def intake_process(tmp_path: Path, nats_server: NatsServer
                         ) -> AsyncIterator[ServiceProcess]:
    port = free_port()
    env = service_env(data_dir=tmp_path / "data", nats_url=nats_server.url, replicas=1,
                      ports={"intake": port}, databases={},
                      settings={"LICENSING_INTAKE_DB_BUSY_TIMEOUT": str(BUSY)})
    (tmp_path / "data").mkdir()
    service = ServiceProcess("intake", port=port, env=env, log_path=tmp_path / "intake.log")
    service.start()
    try:
        await service.wait_ready()
        yield service
    finally:
        service.stop()


def headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, roles=('customs',))}",
            "Idempotency-Key": str(uuid.uuid4())}


async def test_a_locked_database_answers_503_with_retry_after_and_recovers(
        intake_process: ServiceProcess, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=intake_process.url, timeout=30) as client:
        before = await client.post("/v1/applications", json=application(), headers=headers())
        assert before.status_code == 201, before.text
        with locked(tmp_path / "data" / "intake.db"):
            started = time.monotonic()
            during = await client.post("/v1/applications", json=application(),
                                       headers=headers())
            waited = time.monotonic() - started
            ready = await client.get("/ready")
            again = await client.get("/ready")  # the same connection is still open
            # Many at once: answered 503 soon, not each in turn after the busy timeout.
            crowd_began = time.monotonic()
            crowd = await asyncio.gather(*(
                client.post("/v1/applications", json=application(), headers=headers())
                for _ in range(20)))
            crowd_took = time.monotonic() - crowd_began
        assert during.status_code == 503, during.text
        assert during.headers["content-type"].startswith("application/problem+json")
        assert int(during.headers["retry-after"]) >= 1
        assert during.json()["status"] == 503
        assert during.headers.get("connection") != "close"
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["database"].startswith("unavailable")
        assert again.status_code == 503
        assert [r.status_code for r in crowd] == [503] * 20
        assert crowd_took < 4 * BUSY, crowd_took
        # The lock is gone: the service recovers by itself.
        recovered = time.monotonic()
        for _ in range(50):
            if (await client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        after = await client.post("/v1/applications", json=application(), headers=headers())
        assert after.status_code == 201, after.text
        print(f"\ndatabase locked: 503 after {waited:.1f}s (busy timeout {BUSY}s), 20 at once in "
              f"{crowd_took:.1f}s, ready again "
              f"{time.monotonic() - recovered:.1f}s after the lock went")
    assert "Traceback" not in intake_process.log_tail(20000)
