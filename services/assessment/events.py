"""Events the assessment service records. Type names are stable strings, never Python paths.

Payloads are documented in EVENTS.md; every event of a case (and of its licence) is on the
application's stream, a classification answer on the request's stream.
"""

CASE_OPENED = "CaseOpened"
CASE_ROUTED = "CaseRouted"
SCREENING_PENDING = "ScreeningPending"
SCREENING_COMPLETED = "ScreeningCompleted"
SCREENING_FAILED = "ScreeningFailed"
FINDING_RECORDED = "FindingRecorded"
MATCH_DISMISSED = "MatchDismissed"
CASE_DECIDED = "CaseDecided"
CASE_CLOSED = "CaseClosed"
LICENCE_ISSUED = "LicenceIssued"
LICENCE_SUSPENDED = "LicenceSuspended"
LICENCE_REINSTATED = "LicenceReinstated"
LICENCE_REVOKED = "LicenceRevoked"
PARLIAMENT_NOTIFICATION_DUE = "ParliamentNotificationDue"
PARLIAMENT_NOTIFICATION_SENT = "ParliamentNotificationSent"
CLASSIFICATION_ANSWERED = "ClassificationAnswered"

ALL = (
    CASE_OPENED, CASE_ROUTED, SCREENING_PENDING, SCREENING_COMPLETED, SCREENING_FAILED,
    FINDING_RECORDED,
    MATCH_DISMISSED, CASE_DECIDED, CASE_CLOSED, LICENCE_ISSUED, LICENCE_SUSPENDED,
    LICENCE_REINSTATED, LICENCE_REVOKED, PARLIAMENT_NOTIFICATION_DUE,
    PARLIAMENT_NOTIFICATION_SENT, CLASSIFICATION_ANSWERED,
)

# The payload fields other services rely on (EVENTS.md); more may be added, none removed.
REQUIRED_FIELDS: dict[str, frozenset[str]] = {
    CASE_OPENED: frozenset({"application_id", "reference", "regime", "procedure"}),
    CASE_ROUTED: frozenset({"queue", "rule", "reference_version"}),
    SCREENING_PENDING: frozenset({"reason", "embargoes", "general_licence_hints", "prohibited",
                                  "proposed_findings", "reference_version"}),
    SCREENING_COMPLETED: frozenset({"embargoes", "denial_matches", "general_licence_hints",
                                    "registry_version"}),
    SCREENING_FAILED: frozenset({"reason", "status", "problem"}),
    FINDING_RECORDED: frozenset({"criterion", "finding", "note"}),
    MATCH_DISMISSED: frozenset({"denial_id", "reason"}),
    CASE_DECIDED: frozenset({"application_id", "reference", "outcome", "criteria", "note",
                             "decided_at", "queue"}),
    CASE_CLOSED: frozenset({"application_id", "reason", "note"}),
    LICENCE_ISSUED: frozenset({"licence_number", "application_id", "reference", "regime",
                               "licence_type", "transaction", "purpose", "catch_all",
                               "destinations", "destination_group", "origins", "goods",
                               "value_eur", "service_value_eur", "valid_from", "valid_until",
                               "decided_at", "amends"}),
    LICENCE_SUSPENDED: frozenset({"licence_number", "reason"}),
    LICENCE_REINSTATED: frozenset({"licence_number", "reason"}),
    LICENCE_REVOKED: frozenset({"licence_number", "reason"}),
    PARLIAMENT_NOTIFICATION_DUE: frozenset({"id", "licence_number", "destination",
                                            "description", "value_eur", "decided_on",
                                            "due_by"}),
    PARLIAMENT_NOTIFICATION_SENT: frozenset({"id", "licence_number", "sent_on"}),
    CLASSIFICATION_ANSWERED: frozenset({"request_id", "rating", "controlled", "note"}),
}
