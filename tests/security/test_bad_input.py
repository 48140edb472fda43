"""Bad input against real service processes: each class of it answers a 4xx problem+json, and
the process stays healthy (`/health` 200 after every one).

The classes: a 10 MB body, a 10 MB chunked body, JSON nested 10,000 levels deep, a body that
is not UTF-8, a wrong content type, a 1 MB header, and an id ending in a newline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio

from tests.support.system import System, running_system

MB = 1024 * 1024
APPLICATION = {  # a valid application: only the bad part of each request is bad
    "reference": "bad-input-1", "regime": "military", "transaction": "export",
    "licence_type": "individual", "applicant": {"name": "Thales Nederland", "eori": "NL123456789"},
    "destinations": ["DE"], "end_user": {"name": "Bundeswehr", "country": "DE",
                                         "type": "armed_forces"},
    "end_use": "training", "goods": [{"description": "radar", "rating": "ML5", "quantity": 1,
                                      "value_eur": "1000.00"}]}


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """Intake and reporting as real processes on one nats-server."""
    async with running_system(tmp_path_factory.mktemp("bad-input"), nodes=1,
                              services=("intake", "reporting")) as running:
        yield running


def _raw(url: str, request: bytes, *, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes over a socket; the status, headers and body of the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        # The server may answer and close before it has read everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, sep, rest = received.partition(b"\r\n\r\n")
            if sep:
                headers = _headers(head)
                length = int(headers.get("content-length", "-1"))
                if 0 <= length <= len(rest):
                    break
    head, _sep, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, _headers(head), body


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def _chunked(path: str, token: str, payload: bytes, *, host: str = "localhost") -> bytes:
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + MB]), payload[i:i + MB])
                      for i in range(0, len(payload), MB))
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {uuid.uuid4()}\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n").encode() + chunks + b"0\r\n\r\n"


async def _healthy(system: System, service: str) -> None:
    async with httpx.AsyncClient(base_url=system.services[service].url, timeout=10) as client:
        assert (await client.get("/health")).status_code == 200
    assert system.services[service].running


def _problem(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict[str, object]:
    assert status == expected, (status, body[:300])
    assert headers["content-type"].startswith("application/problem+json"), headers
    problem = json.loads(body)
    assert problem["status"] == expected and problem["detail"]
    return problem  # type: ignore[no-any-return]


def _post(path: str, token: str, body: bytes, content_type: str = "application/json") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: {content_type}\r\nIdempotency-Key: {uuid.uuid4()}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


@pytest.mark.parametrize(("service", "path", "role"), [
    ("intake", "/v1/applications", "customs"), ("reporting", "/v1/projections/rebuild", "admin")])
async def test_a_10_mb_body_is_413(system: System, service: str, path: str, role: str) -> None:
    url = system.services[service].url
    body = b'{"reference": "' + b"x" * (10 * MB) + b'"}'
    answer = await asyncio.to_thread(_raw, url, _post(path, system.token(role), body))
    assert _problem(*answer, 413)["type"].endswith("too-large")  # type: ignore[union-attr]
    await _healthy(system, service)


@pytest.mark.parametrize(("service", "path", "role"), [
    ("intake", "/v1/applications", "customs"), ("reporting", "/v1/projections/rebuild", "admin")])
async def test_a_10_mb_chunked_body_is_413(system: System, service: str, path: str,
                                           role: str) -> None:
    url = system.services[service].url
    body = b'{"reference": "' + b"x" * (10 * MB) + b'"}'
    answer = await asyncio.to_thread(_raw, url, _chunked(path, system.token(role), body))
    _problem(*answer, 413)
    await _healthy(system, service)


async def test_json_nested_10000_levels_is_422(system: System) -> None:
    url = system.services["intake"].url
    body = b'{"reference": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    answer = await asyncio.to_thread(_raw, url, _post("/v1/applications",
                                                      system.token("customs"), body))
    _problem(*answer, 422)
    await _healthy(system, "intake")


async def test_a_body_that_is_not_utf8_is_422(system: System) -> None:
    url = system.services["intake"].url
    body = json.dumps(APPLICATION).encode().replace(b"Thales", b"Th\xff\xfeles")
    answer = await asyncio.to_thread(_raw, url, _post("/v1/applications",
                                                      system.token("customs"), body))
    _problem(*answer, 422)
    await _healthy(system, "intake")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "application/x-www-form-urlencoded"])
async def test_a_wrong_content_type_is_4xx(system: System, content_type: str) -> None:
    url = system.services["intake"].url
    body = json.dumps(APPLICATION).encode()
    status, headers, answer = await asyncio.to_thread(
        _raw, url, _post("/v1/applications", system.token("customs"), body, content_type))
    assert 400 <= status < 500, (status, answer[:300])
    _problem(status, headers, answer, status)
    await _healthy(system, "intake")


@pytest.mark.parametrize("service", ["intake", "reporting"])
async def test_a_1_mb_header_is_4xx_problem(system: System, service: str) -> None:
    url = system.services[service].url
    request = (f"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: {'a' * MB}\r\n"
               f"Connection: close\r\n\r\n").encode()
    status, headers, body = await asyncio.to_thread(_raw, url, request)
    assert 400 <= status < 500, (status, body[:300])
    _problem(status, headers, body, status)
    await _healthy(system, service)


@pytest.mark.parametrize(("service", "path", "role"), [
    ("intake", "/v1/applications/G%0A", "customs"),
    ("intake", "/v1/exporters/NL123456789%0A/registrations", "customs"),
    ("reporting", "/v1/streams/G%0A", "reporter")])
async def test_an_id_ending_in_a_newline_is_4xx(system: System, service: str, path: str,
                                                role: str) -> None:
    async with system.client(service, role) as client:
        answer = await client.get(path)
    assert answer.status_code in (404, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    await _healthy(system, service)


async def test_an_eori_ending_in_a_newline_is_refused(system: System) -> None:
    body = {**APPLICATION, "reference": f"nl-{uuid.uuid4().hex[:8]}",
            "applicant": {"name": "Thales Nederland", "eori": "NL123456789\n"}}
    async with system.client("intake", "customs") as client:
        answer = await client.post("/v1/applications", json=body,
                                   headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 422, answer.text
    assert "eori" in answer.text
    await _healthy(system, "intake")
