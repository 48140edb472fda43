"""Which bearer token a command sends, and what to say when the services refuse it.

A command needs one of a few roles (`licensing report` reporter or admin, `licensing cases`
assessor or mfa). It sends the token given by `--token` or `LICENSING_TOKEN` when that token
carries one of them. When none is given, or the given one lacks the role (or has expired), it
mints one (sub `cli`) with the signing key of the data dir, or LICENSING_JWT_SECRET, and says
so; without a key it says which role is needed and how to get a token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from licensing.settings import CliSettings
from shared.auth import Role, issue_token

# A minted token outlives a long replay but not a working day.
MINTED_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Need:
    """What a command needs: any of `roles`; a token minted for it carries `mint`."""

    command: str
    roles: tuple[Role, ...]
    mint: tuple[Role, ...] = ()

    @property
    def wanted(self) -> str:
        """The roles in words: `reporter or admin`."""
        return " or ".join(self.roles)

    @property
    def how(self) -> str:
        """The command that prints a token this command accepts."""
        return f"licensing token --role {self.roles[0]}"

    def help(self) -> str:
        """The sentence of --help that says which token the command sends."""
        return (f"Needs a token with role {self.wanted}: --token or LICENSING_TOKEN when it "
                f"carries one of them; otherwise (none given, another role, expired) one is "
                f"minted for sub 'cli' with roles {', '.join(self.mint or self.roles)} from the "
                f"data dir's key (--data-dir, LICENSING_DATA_DIR, default ./var) or "
                f"LICENSING_JWT_SECRET.")


class TokenError(Exception):
    """No token fit for the command can be had; the message says how to get one."""


@dataclass(frozen=True)
class Chosen:
    """The token a command sends, and a notice for stderr when it is not the one given."""

    token: str
    notice: str | None = None


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT, signature unchecked (only the services can check it), or None."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def roles_of(token: str) -> list[str]:
    """The roles a token claims to carry."""
    roles = (unverified_claims(token) or {}).get("roles") or []
    return [str(r) for r in roles] if isinstance(roles, list) else []


def _what_is_wrong(token: str, need: Need) -> str | None:
    claims = unverified_claims(token)
    if claims is None:
        return "is not a JWT"
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp <= time.time():
        return "has expired"
    roles = roles_of(token)
    if not any(role in roles for role in need.roles):
        return f"carries the roles {', '.join(roles) or '(none)'}"
    return None


def choose_token(need: Need, *, given: str | None, data_dir: Path | None,
                 settings: CliSettings) -> Chosen:
    """The token to send for `need`: the given one if it fits, else one minted from the key."""
    source = "--token" if given else "LICENSING_TOKEN"
    given = given or settings.token
    problem = _what_is_wrong(given, need) if given else None
    if given and problem is None:
        return Chosen(given)
    secret = settings.signing_secret(data_dir)
    key_file = settings.key_file(data_dir).resolve()
    if secret:
        minted = issue_token(secret, roles=need.mint or need.roles, sub="cli",
                             ttl_seconds=MINTED_TTL_SECONDS)
        signer = "LICENSING_JWT_SECRET" if settings.jwt_secret else str(key_file)
        notice = (f"{source} {problem}, and {need.command} needs {need.wanted}: sending a "
                  f"token minted with {signer} instead" if given else None)
        return Chosen(minted, notice)
    if given:
        raise TokenError(
            f"{source} {problem}, and {need.command} needs a token with role {need.wanted}. "
            f"Get one with `{need.how}` (run where `licensing up` keeps its data dir, or add "
            f"--data-dir DIR) and pass it with --token or LICENSING_TOKEN.")
    raise TokenError(
        f"{need.command} needs a token with role {need.wanted}: none was given (--token, "
        f"LICENSING_TOKEN) and there is no key at {key_file} to mint one. Run it where "
        f"`licensing up` keeps its data dir (./var, LICENSING_DATA_DIR or --data-dir DIR), or "
        f"get a token with `{need.how} --data-dir DIR` and pass it with --token.")


def refusal_hint(status: int, token: str | None, need: Need) -> str | None:
    """What to do about a 401 or 403 the services gave to this token."""
    if status == 401 and token:
        return ("the services did not accept the token: it was signed with another key or has "
                f"expired; get a fresh one with `{need.how}` from the data dir `licensing up` "
                "uses (or leave --token and LICENSING_TOKEN unset to mint one)")
    if status == 401:
        return f"a token is needed: `{need.how}`"
    if status == 403:
        roles = roles_of(token) if token else []
        return (f"the token carries the roles {', '.join(roles) or '(none)'}; get one with the "
                f"role the service names: `licensing token --role ROLE`")
    return None
