"""Events the denials service records. Type names are stable strings, never Python paths."""

DENIAL_REGISTERED = "DenialRegistered"
DENIAL_REVOKED = "DenialRevoked"
DENIAL_RENEWED = "DenialRenewed"
DENIAL_EXPIRED = "DenialExpired"
MATCH_DISMISSED = "MatchDismissed"
CONSULTATION_OPENED = "ConsultationOpened"
CONSULTATION_REPLIED = "ConsultationReplied"
CONSULTATION_CLOSED = "ConsultationClosed"
GRANT_NOTIFIED = "GrantNotified"

# Events that change the registry: each one applied moves the registry version on by one.
REGISTRY_EVENTS = frozenset({DENIAL_REGISTERED, DENIAL_REVOKED, DENIAL_RENEWED, DENIAL_EXPIRED})

# The payload fields of a denial notification: all a partner state ever sees of a denial.
NOTIFICATION_FIELDS = ("id", "state", "reference", "denied_on", "regime", "destination",
                       "consignee", "end_user", "goods_description", "rating", "quantity",
                       "criteria")

# The payload fields other services rely on (EVENTS.md); more may be added, none removed.
REQUIRED_FIELDS: dict[str, frozenset[str]] = {
    DENIAL_REGISTERED: frozenset({"id", "state", "reference", "denied_on", "regime",
                                  "destination", "consignee", "end_user", "goods_description",
                                  "rating", "quantity", "criteria"}),
    DENIAL_REVOKED: frozenset({"denial_id", "reason"}),
    DENIAL_RENEWED: frozenset({"denial_id", "denied_on"}),
    DENIAL_EXPIRED: frozenset({"denial_id"}),
    MATCH_DISMISSED: frozenset({"denial_id", "application_ref", "reason"}),
    CONSULTATION_OPENED: frozenset({"id", "denial_id", "consulting_state", "denying_state",
                                    "application_ref", "question", "due_by", "opened_at"}),
    CONSULTATION_REPLIED: frozenset({"id", "answer", "note"}),
    CONSULTATION_CLOSED: frozenset({"id", "decision", "reasons", "application_ref",
                                    "consulting_state", "denying_state"}),
    GRANT_NOTIFIED: frozenset({"consultation_id", "denial_id", "denying_state", "reasons"}),
}
