"""`licensing sanctions load FILE` and `lists` against a denials service listening on a port."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from licensing.nats_server import free_port
from tests.denials.sanctions_sample import SAMPLE
from tests.harness import TEST_SECRET, RunningService, eventually


@pytest.fixture
async def listening(denials: RunningService) -> AsyncIterator[str]:
    """The denials app on a free local port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(denials.app, host="127.0.0.1", port=port,
                                           lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server) -> bool:
    return bool(server.started)


ROOT = str(Path(__file__).resolve().parents[2])


async def licensing(*args: str, url: str) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LICENSING_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "licensing", *args,
        env={**clean, "LICENSING_DENIALS_URL": url, "LICENSING_JWT_SECRET": TEST_SECRET,
             "PYTHONPATH": ROOT},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_the_cli_loads_the_file_once_and_lists_the_version(listening: str,
                                                                 tmp_path: Path) -> None:
    code, out, err = await licensing("sanctions", "load", str(SAMPLE), url=listening)
    assert code == 0, err
    assert "2026-11-20T17:52:44.000+01:00 loaded: 22 entities, 54 names" in out
    code, out, _ = await licensing("sanctions", "load", str(SAMPLE), url=listening)
    assert code == 0 and "already loaded, nothing recorded" in out
    code, out, _ = await licensing("sanctions", "lists", url=listening)
    assert code == 0 and out.startswith("* 2026-11-20T17:52:44.000+01:00")
    bad = tmp_path / "bad.xml"
    bad.write_text("<html/>")
    code, _, err = await licensing("sanctions", "load", str(bad), url=listening)
    assert code == 1 and "error 422" in err and "<export>" in err
    code, _, err = await licensing("sanctions", "load", str(tmp_path / "none.xml"), url=listening)
    assert code == 2 and "cannot read" in err
