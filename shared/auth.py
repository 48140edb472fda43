"""JWT bearer tokens: HS256 with a generated key on one machine, RS256 via JWKS in production."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt.types import Options

from shared.envelope import Actor
from shared.problems import Problem


class Role(StrEnum):
    """The roles a token may carry (contract: Authentication)."""

    CUSTOMS = "customs"
    ASSESSOR = "assessor"
    MFA = "mfa"
    PARTNER = "partner"
    REPORTER = "reporter"
    ADMIN = "admin"


ROLES = tuple(role.value for role in Role)
# Tokens with these roles speak for the Netherlands wherever a state is meant.
DUTCH_ROLES = (Role.ASSESSOR, Role.MFA)


@dataclass(frozen=True)
class Principal:
    """The caller: who, with which roles, speaking for which state."""

    sub: str
    roles: tuple[str, ...]
    state: str | None

    def has(self, *roles: str) -> bool:
        """Whether the caller holds any of the roles."""
        return any(r in self.roles for r in roles)

    def as_actor(self) -> Actor:
        """The actor recorded on events this caller causes."""
        return Actor(sub=self.sub, roles=self.roles, state=self.state)


def ensure_key(data_dir: Path) -> str:
    """The HS256 key under the data dir, generated on first use (readable by the owner only)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "jwt.key"
    if not key_file.exists():
        # Written aside and linked into place: processes starting together never read a half
        # written key, and the first one's key wins.
        draft = data_dir / f".jwt.key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def issue_token(secret: str, *, roles: Iterable[str], sub: str = "dev", state: str | None = None,
                ttl_seconds: int = 12 * 3600) -> str:
    """A signed HS256 token for the given roles."""
    roles = list(roles)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; roles are {', '.join(ROLES)}")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "roles": roles, "iat": now, "exp": now + ttl_seconds}
    if state:
        claims["state"] = state.upper()
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenVerifier:
    """Checks bearer tokens against an HS256 secret or an RS256 JWKS.

    A machine caller sends the same token with every request, so a token found valid is
    remembered for at most `remember_seconds` (and never past its `exp`): a signature is
    checked once a minute per caller rather than once per request.
    """

    def __init__(self, *, secret: str | None, jwks_url: str | None = None,
                 audience: str | None = None, issuer: str | None = None,
                 remember_seconds: float = 60.0, remember_tokens: int = 4096) -> None:
        self.secret = secret
        self.audience = audience
        self.issuer = issuer
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        self.remember_seconds = remember_seconds
        self.remember_tokens = remember_tokens
        self._valid: dict[str, tuple[Principal, float]] = {}

    def verify(self, token: str) -> Principal:
        """The principal a valid token speaks for; a Problem(401) otherwise."""
        now = time.time()
        known = self._valid.get(token)
        if known is not None and known[1] > now:
            return known[0]
        who, exp = self._check(token)
        if len(self._valid) >= self.remember_tokens:
            self._valid.clear()
        self._valid[token] = (who, min(exp, now + self.remember_seconds))
        return who

    def _options(self) -> Options:
        """What PyJWT must find: `sub` and `exp` always, `aud` and `iss` when configured."""
        required = ["sub", "exp"]
        if self.audience is not None:
            required.append("aud")
        if self.issuer is not None:
            required.append("iss")
        return Options(require=required, verify_aud=self.audience is not None)

    def _check(self, token: str) -> tuple[Principal, float]:
        try:
            if self.jwks is not None:
                key = self.jwks.get_signing_key_from_jwt(token).key
                claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.audience,
                                    issuer=self.issuer, options=self._options())
            elif self.secret:
                claims = jwt.decode(token, self.secret, algorithms=["HS256"],
                                    audience=self.audience, issuer=self.issuer,
                                    options=self._options())
            else:
                raise Problem(401, "Unauthorized", "no token key is configured")
        except jwt.PyJWTError as exc:
            raise Problem(401, "Unauthorized", f"invalid token: {exc}",
                          headers={"WWW-Authenticate": "Bearer"}) from exc
        roles = claims.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Problem(401, "Unauthorized", "the token's roles claim is not a list of roles")
        state = claims.get("state")
        if any(r in DUTCH_ROLES for r in roles) and not state:
            state = "NL"
        who = Principal(sub=str(claims["sub"]), roles=tuple(roles),
                        state=state.upper() if isinstance(state, str) else None)
        return who, float(claims["exp"])


# Declares the scheme in the OpenAPI document (so /docs has an Authorize button); the header
# itself is read below, so that a missing or malformed one is a problem+json 401.
BEARER = HTTPBearer(auto_error=False, bearerFormat="JWT",
                    description="A JWT with `sub`, `roles` and, for partner states, `state`; "
                                "on one machine `licensing token --role ROLE` prints one.")


async def principal(request: Request,
                    _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
                    ) -> Principal:
    """The authenticated caller of this request.

    A coroutine, so FastAPI calls it on the event loop rather than in a worker thread; only a
    JWKS check, which may fetch keys over HTTP, is sent to a thread.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Unauthorized", "a bearer token is required",
                      headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.verifier
    if verifier.jwks is not None:
        return await run_in_threadpool(verifier.verify, token.strip())
    return verifier.verify(token.strip())


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits callers holding any of `roles`, else 403."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}")

    async def dependency(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.has(*roles):
            raise Problem(403, "Forbidden",
                          f"this needs one of the roles: {', '.join(roles)}")
        return who

    return dependency
