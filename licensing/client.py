"""A typed client of the assessment service's API, for assessors' tools and scripts."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any, Literal, TypedDict

import httpx

from licensing.settings import cli_settings

Queue = Literal["cdiu", "mfa"]
Outcome = Literal["approve", "deny"]
Screening = Literal["pending", "completed", "failed"]


class CaseSummary(TypedDict, total=False):
    """One case as the case list shows it."""

    id: str
    application_id: str
    reference: str
    queue: str
    status: str
    version: int
    regime: str
    procedure: str
    destinations: list[str]
    value_eur: str
    rule: str
    screening_status: str
    outcome: str | None
    licence_number: str | None


class Notification(TypedDict, total=False):
    """A fast-track notification to parliament."""

    id: str
    licence_number: str
    destination: str
    value_eur: str
    decided_on: str
    due_by: str
    sent_on: str | None
    status: str


class ApiError(Exception):
    """The service refused a request; `problem` is its problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        detail = problem.get("detail") or problem.get("title") or "request failed"
        super().__init__(f"{status}: {detail}")


class AssessmentClient:
    """The assessment API over httpx; URL and token default to the settings (LICENSING_*)."""

    def __init__(self, base_url: str | None = None, token: str | None = None, *,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        settings = cli_settings()
        self.base_url = base_url or settings.url("assessment")
        self.token = token or settings.token
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout,
                                 transport=transport)

    def __enter__(self) -> AssessmentClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:500]}
            raise ApiError(response.status_code, problem if isinstance(problem, dict)
                           else {"detail": str(problem)})
        return response.json()

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            query = {k: v for k, v in {**params, "cursor": cursor}.items() if v is not None}
            page = self._call("GET", path, params=query)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def list_cases(self, *, queue: Queue | None = None, status: str | None = None,
                   screening: Screening | None = None, limit: int = 100) -> list[CaseSummary]:
        """Every case in a queue, status and screening status, oldest first."""
        return [CaseSummary(**c) for c in self._pages(  # type: ignore[typeddict-item]
            "/v1/cases", {"queue": queue, "status": status, "screening": screening,
                          "limit": limit})]

    def get_case(self, case_id: str) -> dict[str, Any]:
        """One case with its routing, screening, consultation state, findings and decision."""
        return self._call("GET", f"/v1/cases/{case_id}")  # type: ignore[no-any-return]

    def decide(self, case_id: str, outcome: Outcome, *, criteria: list[int] | None = None,
               note: str | None = None, decided_at: str | None = None,
               if_match: int | None = None) -> dict[str, Any]:
        """Approve or deny a case; answers the decided case."""
        body: dict[str, Any] = {"outcome": outcome, "criteria": criteria or []}
        if note is not None:
            body["note"] = note
        if decided_at is not None:
            body["decided_at"] = decided_at
        headers = {"If-Match": f'"{if_match}"'} if if_match is not None else {}
        return self._call("POST", f"/v1/cases/{case_id}/decision", json=body,  # type: ignore[no-any-return]
                          headers=headers)

    def record_finding(self, case_id: str, criterion: int, finding: str,
                       note: str | None = None) -> dict[str, Any]:
        """Record a finding on one of the eight criteria."""
        return self._call("POST", f"/v1/cases/{case_id}/findings",  # type: ignore[no-any-return]
                          json={"criterion": criterion, "finding": finding, "note": note})

    def dismiss_match(self, case_id: str, denial_id: str, reason: str) -> dict[str, Any]:
        """Dismiss a denial match with a reason."""
        return self._call("POST", f"/v1/cases/{case_id}/dismissals",  # type: ignore[no-any-return]
                          json={"denial_id": denial_id, "reason": reason})

    def retry_screening(self, case_id: str) -> dict[str, Any]:
        """Re-run a failed screening against the denials registry; answers the case."""
        return self._call("POST",  # type: ignore[no-any-return]
                          f"/v1/cases/{case_id}/screening/retry")

    def get_licence(self, licence_number: str) -> dict[str, Any]:
        """One licence."""
        return self._call("GET", f"/v1/licences/{licence_number}")  # type: ignore[no-any-return]

    def change_licence(self, licence_number: str,
                       action: Literal["suspend", "reinstate", "revoke"],
                       reason: str) -> dict[str, Any]:
        """Suspend, reinstate or revoke a licence."""
        return self._call("POST", f"/v1/licences/{licence_number}/{action}",  # type: ignore[no-any-return]
                          json={"reason": reason})

    def list_notifications(self, *, status: str | None = None) -> list[Notification]:
        """Fast-track notifications to parliament, by due date."""
        return [Notification(**n) for n in self._pages(  # type: ignore[typeddict-item]
            "/v1/parliament-notifications", {"status": status, "limit": 100})]

    def mark_notification_sent(self, notification_id: str, sent_on: str | None = None
                               ) -> Notification:
        """Record that parliament was informed (role mfa)."""
        body = {"sent_on": sent_on} if sent_on else {}
        return self._call("POST",  # type: ignore[no-any-return]
                          f"/v1/parliament-notifications/{notification_id}/sent", json=body)
