"""Who may do what: every endpoint of every service (read from its OpenAPI document) against
every kind of caller, expected from the one table in tests/security/access.py.

A caller holding a role the endpoint serves gets past authorisation (2xx, or a 4xx that is not
401 or 403: the dummy ids and empty bodies sent are unknown or invalid); any other role gets
403; no token, or a token for another audience, 401. Tokens with a bad signature, expired,
`alg: none`, from another issuer or for another audience are refused with 401 everywhere.
A partner state sees no Dutch application data because no endpoint of intake, assessment
or reporting serves the partner role (the matrix checks it); that it sees no other state's
consultations is tests/denials/test_consultations.py. Secrets and tokens never reach a log.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio

from tests.harness import TEST_SECRET, NatsServer, RunningService, run_service
from tests.security.access import ROLES, roles_for
from tests.support.system import SECRET, running_system

SERVICES = ("intake", "assessment", "denials", "reporting")
AUDIENCE, ISSUER = "licensing", "https://login.licensing.example"
PARTNER_ONLY = {"partner"}


def bearer(roles: list[str], *, state: str | None = None, secret: str = TEST_SECRET,
           **claims: Any) -> dict[str, str]:
    """An Authorization header with a token for AUDIENCE from ISSUER, claims overridable."""
    now = int(time.time())
    body: dict[str, Any] = {"sub": "matrix", "roles": roles, "iat": now, "exp": now + 600,
                            "aud": AUDIENCE, "iss": ISSUER}
    if state:
        body["state"] = state
    body.update(claims)
    return {"Authorization": f"Bearer {jwt.encode(body, secret, algorithm='HS256')}"}


def principals() -> dict[str, tuple[str | None, dict[str, str]]]:
    """Every kind of caller: its role (None: no role-holder), and its headers, with tokens
    issued now (a token made when the module is collected may expire before its test runs)."""
    return {
    "none": (None, {}),
    "customs": ("customs", bearer(["customs"])),
    "assessor": ("assessor", bearer(["assessor"])),
    "mfa": ("mfa", bearer(["mfa"])),
    "partner DE": ("partner", bearer(["partner"], state="DE")),
    "partner FR": ("partner", bearer(["partner"], state="FR")),
    "reporter": ("reporter", bearer(["reporter"])),
    "admin": ("admin", bearer(["admin"])),
    "another audience": (None, bearer(["customs", "assessor", "mfa", "partner", "reporter",
                                       "admin"], state="DE", aud="another-system")),
    }


def _unsigned(claims: dict[str, Any]) -> str:
    """A token with `alg: none` (no signature)."""
    return jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]


def refused_tokens() -> dict[str, dict[str, str]]:
    """Tokens every service must refuse with 401, each holding every role."""
    roles = ["customs", "assessor", "mfa", "partner", "reporter", "admin"]
    now = int(time.time())
    return {
        "bad signature": bearer(roles, state="DE", secret="another-secret-" + "y" * 40),
        "expired": bearer(roles, state="DE", iat=now - 7200, exp=now - 3600),
        "alg none": {"Authorization": "Bearer " + _unsigned(
            {"sub": "x", "roles": roles, "state": "DE", "exp": now + 600, "aud": AUDIENCE,
             "iss": ISSUER})},
        "wrong issuer": bearer(roles, state="DE", iss="https://evil.example"),
        "wrong audience": bearer(roles, state="DE", aud="another-system"),
        "no audience": bearer(roles, state="DE", aud=None),
    }


def _path_value(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema") or {}
    if schema.get("type") == "integer" or any(s.get("type") == "integer"
                                              for s in schema.get("anyOf", [])):
        return "1" if parameter["name"] == "month" else "2024"
    return "NL123456789" if parameter["name"] == "eori" else "no-such-id"


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, template, url) of every operation, path parameters filled with dummies."""
    found = []
    for template, methods in openapi["paths"].items():
        for method, operation in methods.items():
            url = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    url = url.replace("{" + parameter["name"] + "}", _path_value(parameter))
            found.append((method.upper(), template, url))
    return found


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def services(tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[dict[str, RunningService]]:
    """The four services in-process, each requiring AUDIENCE and ISSUER on its tokens."""
    tmp_path = tmp_path_factory.mktemp("authorisation")
    nats_server = NatsServer(tmp_path / "nats").start()
    running: dict[str, RunningService] = {}
    contexts = []
    try:
        for name in SERVICES:
            (tmp_path / name).mkdir()
            context = run_service(name, data_dir=tmp_path / name, nats_url=nats_server.url,
                                  jwt_audience=AUDIENCE, jwt_issuer=ISSUER)
            running[name] = await context.__aenter__()
            contexts.append(context)
        yield running
    finally:
        for context in reversed(contexts):
            await context.__aexit__(None, None, None)
        nats_server.stop()


async def _call(service: RunningService, method: str, url: str,
                headers: dict[str, str]) -> httpx.Response:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return await service.client.request(method, url, headers=headers, json=body)


def _expected(roles: frozenset[str], role: str | None, principal: str) -> str:
    if not roles:
        return "allowed"
    if principal in ("none", "another audience"):
        return "401"
    return "allowed" if role in roles else "403"


def _outcome(status: int) -> str:
    return {401: "401", 403: "403"}.get(status, "allowed")


async def test_every_endpoint_admits_exactly_the_roles_of_the_table(
        services: dict[str, RunningService]) -> None:
    wrong, seen, calls = [], set(), 0
    callers = principals()
    for name, service in services.items():
        openapi = (await service.client.get("/openapi.json")).json()
        for method, template, url in operations(openapi):
            roles = roles_for(name, method, template)
            seen.add((name, method, template))
            for principal, (role, headers) in callers.items():
                answer = await _call(service, method, url, headers)
                calls += 1
                expected = _expected(roles, role, principal)
                if _outcome(answer.status_code) != expected:
                    wrong.append(f"{name} {method} {template} as {principal}: "
                                 f"{answer.status_code}, expected {expected}: "
                                 f"{answer.text[:150]}")
                if answer.status_code >= 400:
                    assert answer.headers["content-type"].startswith(
                        "application/problem+json"), (name, method, template, principal)
    stale = sorted(set(ROLES) - seen)
    assert not stale, f"in the table but served by no service: {stale}"
    assert not wrong, f"{len(wrong)} of {calls} calls:\n" + "\n".join(wrong)
    assert calls == len(seen) * len(callers)


async def test_no_partner_reads_dutch_application_data(
        services: dict[str, RunningService]) -> None:
    for name in ("intake", "assessment", "reporting"):
        for (service, method, template), roles in ROLES.items():
            if service == name and roles:
                assert not roles & PARTNER_ONLY, f"{name} {method} {template} serves partners"
    _role, de = principals()["partner DE"]
    for name, url in (("intake", "/v1/applications/x"), ("assessment", "/v1/cases"),
                      ("reporting", "/v1/streams/x"), ("reporting", "/v1/reports/annual/2024")):
        assert (await services[name].client.get(url, headers=de)).status_code == 403


@pytest.mark.parametrize("kind", list(refused_tokens()))
async def test_a_bad_token_is_refused_everywhere(services: dict[str, RunningService],
                                                 kind: str) -> None:
    headers = refused_tokens()[kind]
    for name, service in services.items():
        openapi = (await service.client.get("/openapi.json")).json()
        for method, template, url in operations(openapi):
            if not roles_for(name, method, template):
                continue
            answer = await _call(service, method, url, headers)
            assert answer.status_code == 401, (kind, name, method, template, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")


async def test_secrets_and_tokens_never_reach_the_logs(tmp_path: Path) -> None:
    async with running_system(tmp_path, nodes=1, services=("intake", "reporting")) as system:
        customs = system.token("customs", sub="log-probe")
        admin = system.token("admin", sub="log-probe")
        forged = jwt.encode({"sub": "x", "roles": ["admin"], "exp": int(time.time()) + 60},
                            "forged-" + "z" * 40, algorithm="HS256")
        intake = system.services["intake"].url
        reporting = system.services["reporting"].url
        async with httpx.AsyncClient(timeout=30) as client:
            for token in (customs, forged, "not-a-jwt"):
                auth = {"Authorization": f"Bearer {token}",
                        "Idempotency-Key": str(uuid.uuid4())}
                await client.post(f"{intake}/v1/applications", headers=auth,
                                  json={"reference": token})
                await client.get(f"{intake}/v1/applications/{token}", headers=auth)
                await client.get(f"{intake}/v1/applications/x", params={"token": token},
                                 headers=auth)
            for token in (admin, forged):
                await client.get(f"{reporting}/v1/projections/status",
                                 headers={"Authorization": f"Bearer {token}"})
                await client.post(f"{reporting}/v1/projections/rebuild",
                                  headers={"Authorization": f"Bearer {token}"})
        system.stop()
        logs = {name: (system.directory / "logs" / f"{name}.log").read_text()
                for name in ("intake", "reporting")}
    for name, text in logs.items():
        assert "POST" in text or "GET" in text, f"{name} logged no request: {text[:500]}"
        assert SECRET not in text, f"{name}'s log holds the signing secret"
        for token in (customs, admin, forged):
            assert token not in text, f"{name}'s log holds a token"
            signature = token.rsplit(".", 1)[1]
            assert signature not in text, f"{name}'s log holds a token's signature"
