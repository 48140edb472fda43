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
