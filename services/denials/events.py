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
