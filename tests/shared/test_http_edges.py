"""Auth, problem+json and the body limit, as every service answers them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Annotated

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel, Field

from shared.auth import Principal, TokenVerifier, issue_token, require
from shared.problems import BodyLimit, Problem, install_problem_handlers
from tests.harness import TEST_SECRET, auth


class Body(BaseModel):
    name: str = Field(max_length=10)
    quantity: int = Field(ge=1)


def make_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    app.state.verifier = verifier
    app.add_middleware(BodyLimit, max_bytes=1024)
    install_problem_handlers(app)

    @app.post("/things")
    async def things(body: Body, who: Annotated[Principal, Depends(require("customs"))]
                     ) -> dict[str, object]:
        return {"sub": who.sub, "state": who.state, "name": body.name}

    @app.get("/dutch")
    async def dutch(who: Annotated[Principal, Depends(require("assessor", "mfa"))]
                    ) -> dict[str, object]:
        return {"state": who.state}

    return app


@pytest.fixture
async def client() -> Iterator[httpx.AsyncClient]:
    app = make_app(TokenVerifier(secret=TEST_SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as c:
        yield c


async def test_no_token_is_401_problem(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", json={"name": "a", "quantity": 1})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 401


async def test_a_forged_token_is_401(client: httpx.AsyncClient) -> None:
    forged = issue_token("another-secret-" + "y" * 40, roles=["customs"])
    r = await client.post("/things", json={"name": "a", "quantity": 1},
                          headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert "invalid token" in r.json()["detail"]


async def test_a_role_the_endpoint_does_not_serve_is_403(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", json={"name": "a", "quantity": 1},
                          headers=auth("reporter"))
    assert r.status_code == 403
    assert "customs" in r.json()["detail"]


async def test_assessors_speak_for_the_netherlands(client: httpx.AsyncClient) -> None:
    r = await client.get("/dutch", headers=auth("mfa"))
    assert r.json() == {"state": "NL"}


async def test_validation_errors_name_each_field(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", json={"name": "x" * 11, "quantity": 0},
                          headers=auth("customs"))
    assert r.status_code == 422
    body = r.json()
    assert body["type"].endswith("/validation")
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "name"), ("body", "quantity")}
    assert all(e["msg"].startswith(("name:", "quantity:")) for e in body["errors"])


async def test_malformed_json_is_422_not_500(client: httpx.AsyncClient) -> None:
    headers = {**auth("customs"), "content-type": "application/json"}
    r = await client.post("/things", content=b"{nope", headers=headers)
    assert r.status_code == 422


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", content=b"x" * 2048,
                          headers={**auth("customs"), "content-type": "application/json"})
    assert r.status_code == 413
    assert "1024 bytes" in r.json()["detail"]


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    document = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key
    server.shutdown()


async def test_rs256_tokens_are_checked_against_a_jwks_url(jwks_server) -> None:
    url, key = jwks_server
    app = make_app(TokenVerifier(secret=None, jwks_url=url, audience="licensing"))
    token = jwt.encode({"sub": "customs-gw", "roles": ["customs"], "aud": "licensing",
                        "exp": 4102444800}, key, algorithm="RS256", headers={"kid": "k1"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as c:
        ok = await c.post("/things", json={"name": "a", "quantity": 1},
                          headers={"Authorization": f"Bearer {token}"})
        hs = await c.post("/things", json={"name": "a", "quantity": 1}, headers=auth("customs"))
    assert ok.status_code == 200
    assert ok.json()["sub"] == "customs-gw"
    assert hs.status_code == 401


def test_a_remembered_token_still_expires() -> None:
    verifier = TokenVerifier(secret=TEST_SECRET, remember_seconds=60)
    token = issue_token(TEST_SECRET, roles=["customs"], sub="gate-7", ttl_seconds=1)
    assert verifier.verify(token).sub == "gate-7"
    assert verifier.verify(token).sub == "gate-7"  # remembered
    time.sleep(2.1)  # the token's exp (whole seconds) has passed: remembering ends with it
    with pytest.raises(Problem) as refused:
        verifier.verify(token)
    assert refused.value.status == 401 and "expired" in refused.value.detail


def test_a_tampered_copy_of_a_remembered_token_is_refused() -> None:
    verifier = TokenVerifier(secret=TEST_SECRET)
    token = issue_token(TEST_SECRET, roles=["customs"], sub="gate-7")
    verifier.verify(token)
    header, claims, signature = token.split(".")
    forged_claims = jwt.utils.base64url_encode(json.dumps(
        {**jwt.decode(token, options={"verify_signature": False}), "roles": ["mfa"]}
    ).encode()).decode()
    with pytest.raises(Problem) as refused:
        verifier.verify(f"{header}.{forged_claims}.{signature}")
    assert refused.value.status == 401
