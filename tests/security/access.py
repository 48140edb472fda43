"""Who may call what: the one table of every endpoint's roles, which the authorisation matrix
and the fuzzing both read.

An endpoint missing here fails loudly (`roles_for`): a new route must be added to the table, so
that nobody ships an endpoint whose access was never decided.
"""

from __future__ import annotations

OPEN = frozenset[str]()  # no token needed (health, ready, metrics)
CUSTOMS = frozenset({"customs"})
CASE_READER = frozenset({"customs", "assessor", "mfa"})
CASE_WORKER = frozenset({"assessor", "mfa"})
ASSESSOR = frozenset({"assessor"})
MFA = frozenset({"mfa"})
PARTNER = frozenset({"partner"})
REGISTRY = frozenset({"partner", "assessor", "mfa"})
STATISTICS = frozenset({"partner", "assessor", "mfa", "reporter", "admin"})
REPORT = frozenset({"reporter", "admin"})
ADMIN = frozenset({"admin"})
STREAM = frozenset({"reporter", "admin", "assessor", "mfa"})

SANCTIONS_LIST = frozenset({"admin", "assessor", "mfa"})

_OPERATIONS = {
    ("GET", "/health"): OPEN,
    ("GET", "/ready"): OPEN,
    ("GET", "/metrics"): OPEN,
    # Every service answers for the personal data it holds (shared.personal.api).
    ("POST", "/v1/personal-data/erasures"): ADMIN,
    ("GET", "/v1/personal-data/due"): ADMIN,
}

ROLES: dict[tuple[str, str, str], frozenset[str]] = {
    **{("intake", *op): roles for op, roles in _OPERATIONS.items()},
    ("intake", "POST", "/v1/applications"): CUSTOMS,
    ("intake", "GET", "/v1/applications/{application_id}"): CUSTOMS,
    ("intake", "POST", "/v1/applications/{application_id}/withdraw"): CUSTOMS,
    ("intake", "POST", "/v1/licences/{licence_number}/shipments"): CUSTOMS,
    ("intake", "GET", "/v1/licences/{licence_number}"): CASE_READER,
    ("intake", "POST", "/v1/general-licences/{code}/realisations"): CUSTOMS,
    ("intake", "GET", "/v1/general-licences/realisations/{realisation_id}"): CASE_READER,
    ("intake", "POST", "/v1/general-licences/{code}/registrations"): CUSTOMS,
    ("intake", "POST", "/v1/general-licences/registrations/{registration_id}/end"): CUSTOMS,
    ("intake", "GET", "/v1/general-licences/registrations/{registration_id}"): CASE_READER,
    ("intake", "GET", "/v1/general-licences/{code}/registrations"): CASE_READER,
    ("intake", "GET", "/v1/exporters/{eori}/registrations"): CASE_READER,
    ("intake", "POST", "/v1/classification-requests"): CUSTOMS,
    ("intake", "GET", "/v1/classification-requests/{request_id}"): CUSTOMS,

    **{("assessment", *op): roles for op, roles in _OPERATIONS.items()},
    ("assessment", "GET", "/v1/cases"): CASE_WORKER,
    ("assessment", "GET", "/v1/cases/{case_id}"): CASE_WORKER,
    ("assessment", "POST", "/v1/cases/{case_id}/findings"): CASE_WORKER,
    ("assessment", "POST", "/v1/cases/{case_id}/screening/retry"): CASE_WORKER,
    ("assessment", "POST", "/v1/cases/{case_id}/dismissals"): CASE_WORKER,
    ("assessment", "POST", "/v1/cases/{case_id}/sanctions-hits/{entity_id}/dismissal"):
        CASE_WORKER,
    ("assessment", "POST", "/v1/cases/{case_id}/decision"): CASE_WORKER,
    ("assessment", "POST", "/v1/cases/{case_id}/referral"): ASSESSOR,
    ("assessment", "POST", "/v1/cases/{case_id}/advice"): MFA,
    ("assessment", "GET", "/v1/licences/{licence_number}"): CASE_WORKER,
    ("assessment", "POST", "/v1/licences/{licence_number}/suspend"): CASE_WORKER,
    ("assessment", "POST", "/v1/licences/{licence_number}/reinstate"): CASE_WORKER,
    ("assessment", "POST", "/v1/licences/{licence_number}/revoke"): CASE_WORKER,
    ("assessment", "POST", "/v1/licences/{licence_number}/confidential"): CASE_WORKER,
    ("assessment", "GET", "/v1/parliament-notifications"): CASE_WORKER,
    ("assessment", "POST", "/v1/parliament-notifications/{notification_id}/sent"): MFA,
    ("assessment", "POST", "/v1/parliament-letters"): MFA,
    ("assessment", "GET", "/v1/parliament-letters"): CASE_WORKER,
    ("assessment", "POST", "/v1/catch-all-requirements"): CASE_WORKER,
    ("assessment", "POST", "/v1/catch-all-requirements/{requirement_id}/lift"): CASE_WORKER,
    ("assessment", "GET", "/v1/catch-all-requirements"): CASE_WORKER,
    ("assessment", "POST", "/v1/investigations"): CASE_WORKER,
    ("assessment", "POST", "/v1/investigations/{referral_id}/outcome"): CASE_WORKER,
    ("assessment", "GET", "/v1/investigations"): CASE_WORKER,
    ("assessment", "GET", "/v1/classification-requests"): CASE_WORKER,
    ("assessment", "POST", "/v1/classification-requests/{request_id}/answer"): CASE_WORKER,

    **{("denials", *op): roles for op, roles in _OPERATIONS.items()},
    ("denials", "POST", "/v1/denials"): PARTNER,
    ("denials", "GET", "/v1/denials"): REGISTRY,
    ("denials", "POST", "/v1/denials/matches"): REGISTRY,
    ("denials", "POST", "/v1/denials/matches/dismissals"): CASE_WORKER,
    ("denials", "GET", "/v1/denials/matches/dismissals"): CASE_WORKER,
    ("denials", "GET", "/v1/denials/{denial_id}"): REGISTRY,
    ("denials", "POST", "/v1/denials/{denial_id}/revoke"): REGISTRY,
    ("denials", "POST", "/v1/denials/{denial_id}/renew"): REGISTRY,
    ("denials", "POST", "/v1/consultations"): REGISTRY,
    ("denials", "GET", "/v1/consultations"): REGISTRY,
    ("denials", "GET", "/v1/consultations/stats"): STATISTICS,
    ("denials", "GET", "/v1/consultations/{consultation_id}"): REGISTRY,
    ("denials", "POST", "/v1/consultations/{consultation_id}/reply"): REGISTRY,
    ("denials", "POST", "/v1/consultations/{consultation_id}/outcome"): REGISTRY,
    ("denials", "GET", "/v1/notifications"): REGISTRY,
    ("denials", "POST", "/v1/sanctions/lists"): ADMIN,
    ("denials", "GET", "/v1/sanctions/lists"): SANCTIONS_LIST,
    ("denials", "POST", "/v1/sanctions/matches"): REGISTRY,
    ("denials", "GET", "/v1/sanctions/hits"): CASE_WORKER,

    **{("reporting", *op): roles for op, roles in _OPERATIONS.items()},
    ("reporting", "GET", "/v1/reports/annual/{year}"): REPORT,
    ("reporting", "GET", "/v1/reports/monthly/{year}/{month}"): REPORT,
    ("reporting", "GET", "/v1/reports/submissions/eu/{year}"): REPORT,
    ("reporting", "GET", "/v1/reports/submissions/att/{year}"): REPORT,
    ("reporting", "POST", "/v1/projections/rebuild"): ADMIN,
    ("reporting", "GET", "/v1/projections/status"): REPORT,
    ("reporting", "GET", "/v1/streams/{application_id}"): STREAM,
}


def roles_for(service: str, method: str, path: str) -> frozenset[str]:
    """The roles an endpoint serves (empty: open to all); fails for an endpoint not decided."""
    key = (service, method.upper(), path)
    if key not in ROLES:
        raise AssertionError(
            f"{service} {method.upper()} {path} is not in tests/security/access.py: decide who "
            f"may call it and add it to ROLES")
    return ROLES[key]


def caller_for(roles: frozenset[str]) -> tuple[str, str | None]:
    """One role that the endpoint serves, and the state it speaks for (partners: DE)."""
    for role in ("customs", "assessor", "mfa", "partner", "reporter", "admin"):
        if role in roles:
            return role, ("DE" if role == "partner" else None)
    raise AssertionError("an open endpoint needs no caller")
