"""Facts: the small projections the report is built from, evolved event by event.

A fact is a dict of named parts (``submitted``, ``decided``, ``licence``, ...). Each part is set
by exactly one kind of event and stamped with that event's ``(recorded_at, event_id)``; merging
keeps the part with the highest stamp. Merging is therefore commutative and idempotent: the
facts depend only on the *set* of events seen, never on their order or on redeliveries. That is
what makes a rebuilt projection equal to the one kept up to date event by event, and what lets
the live consumer and a running rebuild both write into the next generation safely.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# (kind, key) -> {part name: {"at": recorded_at, "id": event_id, "data": {...}}}
Facts = dict[tuple[str, str], dict[str, Any]]
Update = tuple[str, str, str, dict[str, Any]]

_APPLICATION_FIELDS = (
    "reference", "received_at", "regime", "procedure", "transaction", "licence_type", "purpose",
    "amends", "catch_all", "applicant", "destinations", "destination_group", "origins",
    "consignee", "end_user", "end_use", "goods", "service_value_eur", "value_eur",
)
_LICENCE_FIELDS = (
    "licence_number", "regime", "licence_type", "transaction", "purpose", "catch_all",
    "destinations", "destination_group", "origins", "goods", "value_eur", "service_value_eur",
    "valid_from", "valid_until", "decided_at", "amends",
)


def _pick(payload: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: payload.get(f) for f in fields if f in payload}


def fact_updates(env: dict[str, Any]) -> list[Update]:
    """The fact parts one event sets, as (kind, key, part, data); empty for events not reported."""
    kind = env.get("type")
    payload: dict[str, Any] = env.get("payload") or {}
    sid = str(env.get("stream_id", ""))
    if kind == "ApplicationSubmitted":
        return [("app", sid, "submitted", _pick(payload, _APPLICATION_FIELDS))]
    if kind == "ApplicationWithdrawn":
        return [("app", sid, "withdrawn", {"reason": payload.get("reason")})]
    if kind == "CaseOpened":
        return [("app", sid, "opened", _pick(payload, ("reference", "regime", "procedure")))]
    if kind == "CaseDecided":
        data = _pick(payload, ("outcome", "criteria", "decided_at", "queue", "reference"))
        data.setdefault("decided_at", env.get("occurred_at"))
        return [("app", sid, "decided", data)]
    if kind == "LicenceIssued":
        data = _pick(payload, _LICENCE_FIELDS)
        data.setdefault("decided_at", env.get("occurred_at"))
        return [("app", sid, "licence", data)]
    if kind == "ShipmentRecorded":
        key = f"{sid}:{payload.get('declaration_ref')}"
        return [("shipment", key, "recorded", _pick(
            payload, ("licence_number", "application_id", "declaration_ref", "shipped_on",
                      "country", "quantity", "value_eur", "regime")))]
    if kind == "RealisationReported":
        key = str(payload.get("id") or sid)
        return [("realisation", key, "reported", _pick(
            payload, ("code", "regime", "period", "direction", "country", "destination",
                      "value_eur", "ratings", "flagged", "flags")))]
    if kind == "ParliamentNotificationDue":
        key = str(payload.get("id") or sid)
        return [("notification", key, "due", _pick(
            payload, ("licence_number", "destination", "description", "value_eur",
                      "decided_on", "due_by")))]
    if kind == "ParliamentNotificationSent":
        key = str(payload.get("id") or sid)
        return [("notification", key, "sent", _pick(payload, ("licence_number", "sent_on")))]
    if kind == "ConsultationOpened":
        key = str(payload.get("id") or sid)
        data = _pick(payload, ("denial_id", "consulting_state", "denying_state",
                               "application_ref", "due_by", "opened_at"))
        data.setdefault("opened_at", env.get("occurred_at"))
        return [("consultation", key, "opened", data)]
    return []


def merge_part(fact: dict[str, Any], part: str, stamped: dict[str, Any]) -> bool:
    """Put a stamped part into a fact unless a higher-stamped one is there; True if changed."""
    old = fact.get(part)
    if old is not None and (old["at"], old["id"]) >= (stamped["at"], stamped["id"]):
        return False
    fact[part] = stamped
    return True


def recorded_key(value: Any) -> str:
    """A recorded time in one fixed UTC form, so that stamps compare as strings."""
    text = str(value or "")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamp(env: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A part's data stamped with the event that set it."""
    return {"at": recorded_key(env.get("recorded_at")), "id": str(env.get("event_id", "")),
            "data": data}


def evolve(facts: Facts, env: dict[str, Any]) -> list[tuple[str, str]]:
    """Apply one event (an envelope as a JSON dict) to the facts; returns the keys it changed."""
    changed = []
    for kind, key, part, data in fact_updates(env):
        fact = facts.setdefault((kind, key), {})
        if merge_part(fact, part, stamp(env, data)):
            changed.append((kind, key))
    return changed


def merge_facts(into: Facts, other: Facts) -> None:
    """Merge every part of `other` into `into` (commutative, idempotent)."""
    for key, fact in other.items():
        target = into.setdefault(key, {})
        for part, stamped in fact.items():
            merge_part(target, part, stamped)
