"""Background screening against the denials registry, outside any consumer transaction.

The consumer only records a case as `screening pending`; this task calls the denials service's
match API over HTTP (never while holding a database write lock) and records the result in a
transaction of its own. When denials is away (connection errors, 408, 425, 429, 5xx), the case
stays pending and is retried with exponential backoff. A permanent refusal (any other 4xx: a
field denials refuses, a token it does not accept) would fail on every retry: it is recorded as
`ScreeningFailed` and retried only when an assessor asks for it. Either way no case is ever
approved on a screening that did not run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from services.assessment.domain.screening import (
    match_requests,
    merge_matches,
    sanctioned_party_hits,
    sanctions_request,
)
from services.assessment.handlers import screening
from services.assessment.handlers.context import Context
from services.assessment.handlers.db import pending_cases
from services.assessment.handlers.screening import PendingScreening
from services.assessment.settings import Settings
from shared.auth import issue_token
from shared.contracts.assessment import DenialMatch
from shared.errors import VersionConflict

log = logging.getLogger(__name__)

# Client errors that say "not now" rather than "never": retried like an outage.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
PROBLEM_FIELDS = ("type", "title", "status", "detail")


class DenialsUnavailable(Exception):
    """The denials service did not give a usable answer; it may the next time."""


class DenialsRefused(Exception):
    """The denials service refused the query for good (a 4xx); retrying cannot help."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        title = problem.get("title") or "refused"
        detail = problem.get("detail") or ""
        super().__init__(f"the denials registry refused the screening query with {status} "
                         f"{title}" + (f": {detail}" if detail else "") + f" ({_hint(status)})")


def _hint(status: int) -> str:
    if status in (401, 403):
        return ("assessment's service token is not accepted: check "
                "LICENSING_ASSESSMENT_DENIALS_TOKEN or the shared signing key")
    if status in (400, 413, 415, 422):
        return "the denials API refuses a field assessment sends"
    return "check the denials URL and version (LICENSING_DENIALS_URL)"


def is_permanent(status: int) -> bool:
    """Whether a status from denials means the same query will never succeed."""
    return 400 <= status < 500 and status not in TRANSIENT_STATUSES


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem+json of a refusal, trimmed to what a case may keep."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return {"status": response.status_code, "detail": response.text[:500] or None}
    problem: dict[str, Any] = {k: body[k] for k in PROBLEM_FIELDS if k in body}
    if isinstance(problem.get("detail"), str):
        problem["detail"] = problem["detail"][:2000]
    errors = body.get("errors")
    if isinstance(errors, list):
        problem["errors"] = [{"loc": e.get("loc"), "msg": str(e.get("msg"))[:500]}
                             for e in errors[:20] if isinstance(e, dict)]
    return problem


@dataclass(frozen=True)
class Answer:
    """The registry's answer to one match query."""

    matches: list[DenialMatch]
    registry_version: str | None
    matcher_version: str | None


@dataclass(frozen=True)
class SanctionsAnswer:
    """The sanctions screening's answer: the raw matches and the list version screened."""

    matches: list[dict[str, Any]]
    list_version: str | None


class DenialsClient:
    """The denials match API, with a service token."""

    def __init__(self, settings: Settings,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.client = httpx.AsyncClient(
            base_url=settings.denials_url, timeout=settings.denials_timeout_seconds,
            transport=transport or httpx.AsyncHTTPTransport(retries=2))
        self._token: tuple[str, float] | None = None

    def _bearer(self) -> dict[str, str]:
        if self.settings.denials_token:
            return {"Authorization": f"Bearer {self.settings.denials_token}"}
        secret = self.settings.signing_secret()
        if not secret:
            return {}
        if self._token is None or self._token[1] < time.monotonic() + 30:
            token = issue_token(secret, roles=["assessor"], sub="assessment-service",
                                ttl_seconds=300)
            self._token = (token, time.monotonic() + 300)
        return {"Authorization": f"Bearer {self._token[0]}"}

    async def matches(self, query: dict[str, Any]) -> Answer:
        """The active denials matching one query, with the registry's and matcher's versions."""
        body = await self._post("/v1/denials/matches", query)
        try:
            found = [DenialMatch.model_validate(m) for m in body["matches"]]
        except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError included
            raise DenialsUnavailable(f"denials answered something unexpected: {exc}") from exc
        version, matcher = body.get("registry_version"), body.get("matcher_version")
        return Answer(found, str(version) if version is not None else None,
                      str(matcher) if matcher is not None else None)

    async def sanctioned(self, query: dict[str, Any]) -> SanctionsAnswer:
        """The sanctions list's entities the names of one query are, and the list's version."""
        body = await self._post("/v1/sanctions/matches", query)
        try:
            matches = [m for m in body["matches"] if isinstance(m, dict) and "entity_id" in m]
            version = body.get("list_version")
        except (KeyError, TypeError) as exc:
            raise DenialsUnavailable(f"denials answered something unexpected: {exc}") from exc
        return SanctionsAnswer(matches, str(version) if version is not None else None)

    async def _post(self, path: str, query: dict[str, Any]) -> Any:
        try:
            response = await self.client.post(path, json=query, headers=self._bearer())
        except httpx.HTTPError as exc:
            raise DenialsUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if is_permanent(response.status_code):
            raise DenialsRefused(response.status_code, problem_of(response))
        if response.status_code != 200:
            raise DenialsUnavailable(f"denials answered {response.status_code}: "
                                     f"{response.text[:300]}")
        try:
            return response.json()
        except ValueError as exc:
            raise DenialsUnavailable(f"denials answered something unexpected: {exc}") from exc

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


class Screener:
    """Screens pending cases, retrying each with backoff while denials is away.

    A case whose screening failed for good is no longer pending, so it is not retried until
    an assessor re-runs it (`retry_now`).
    """

    def __init__(self, ctx: Context, client: DenialsClient) -> None:
        self.ctx = ctx
        self.client = client
        self._wake = asyncio.Event()
        self._backoff: dict[str, tuple[float, float]] = {}  # case id -> (next try, delay)
        self.last_errors: dict[str, str] = {}

    def wake(self) -> None:
        """Look for pending cases now (called after the consumer commits)."""
        self._wake.set()

    def retry_now(self, case_id: str) -> None:
        """Screen this case on the next pass, forgetting its backoff."""
        self._backoff.pop(case_id, None)
        self.last_errors.pop(case_id, None)
        self.wake()

    async def run(self) -> None:
        """Screen pending cases forever."""
        try:
            while True:
                self._wake.clear()
                try:
                    await self.screen_pending()
                except Exception:  # noqa: BLE001 - a process edge: log, wait, try again
                    log.exception("a screening pass failed; the next one starts within %.1fs",
                                  self.ctx.settings.screening_poll_seconds)
                wait = self.ctx.settings.screening_poll_seconds
                if self._backoff:
                    soonest = min(t for t, _ in self._backoff.values()) - time.monotonic()
                    wait = max(0.01, min(wait, soonest))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
        finally:
            await self.client.close()

    async def screen_pending(self) -> None:
        """One pass over the pending cases that are due."""
        async with self.ctx.runtime.sessions() as session:
            case_ids = await pending_cases(session, limit=100)
        now = time.monotonic()
        for case_id in case_ids:
            next_try, _ = self._backoff.get(case_id, (0.0, 0.0))
            if next_try > now:
                continue
            try:
                asked = await screening.pending(self.ctx, case_id)
            except Exception as exc:  # noqa: BLE001 - a process edge: log, back off, retry
                self._retry_later(case_id, exc)
                continue
            if asked is not None:
                await self.screen_one(asked)

    async def screen_one(self, asked: PendingScreening) -> None:
        """Query denials for one case and record the screening, or schedule a retry."""
        try:
            answers = [await self.client.matches(query)
                       for query in match_requests(asked.application)]
            versions = {a.registry_version for a in answers if a.registry_version}
            matchers = {a.matcher_version for a in answers if a.matcher_version}
            # Every party against the sanctions list, whatever the destination or goods.
            listed = await self.client.sanctioned(sanctions_request(asked.application))
            await screening.complete(
                self.ctx, asked, denial_matches=merge_matches([a.matches for a in answers]),
                registry_version=",".join(sorted(versions)) or None,
                matcher_version=",".join(sorted(matchers)) or None,
                sanctioned_parties=sanctioned_party_hits(asked.application, listed.matches,
                                                         listed.list_version),
                sanctions_list_version=listed.list_version)
        except DenialsRefused as exc:
            await self._fail(asked, exc)
            return
        except Exception as exc:  # noqa: BLE001 - a process edge: log, back off, retry
            self._retry_later(asked.case_id, exc, asked)
            return
        self._backoff.pop(asked.case_id, None)
        self.last_errors.pop(asked.case_id, None)

    async def _fail(self, asked: PendingScreening, refused: DenialsRefused) -> None:
        """Record the refusal on the case; the screening ends here until an assessor re-runs it."""
        try:
            await screening.fail(self.ctx, asked, status=refused.status,
                                 problem=refused.problem, reason=str(refused))
        except Exception as exc:  # noqa: BLE001 - a process edge: log, back off, retry
            self._retry_later(asked.case_id, exc, asked)
            return
        self._backoff.pop(asked.case_id, None)
        self.last_errors.pop(asked.case_id, None)
        log.error("screening of case %s failed: %s (event %s, correlation %s)", asked.case_id,
                  refused, asked.event_id, asked.correlation_id)

    def _retry_later(self, case_id: str, exc: Exception,
                     asked: PendingScreening | None = None) -> None:
        ids = (f"event {asked.event_id}, correlation {asked.correlation_id}" if asked
               else f"stream {case_id}")
        if not isinstance(exc, DenialsUnavailable | VersionConflict):
            log.error("screening of case %s failed unexpectedly (%s)", case_id, ids,
                      exc_info=exc)
        _, delay = self._backoff.get(case_id, (0.0, 0.0))
        settings = self.ctx.settings
        delay = min(settings.screening_retry_max_seconds,
                    delay * 2 if delay else settings.screening_retry_initial_seconds)
        self._backoff[case_id] = (time.monotonic() + delay, delay)
        self.last_errors[case_id] = str(exc)
        log.warning("screening of case %s pending: %s; retry in %.1fs (%s)", case_id, exc, delay,
                    ids)
