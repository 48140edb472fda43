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
import re
from collections.abc import Callable
from typing import Any

from shared.contracts import REGISTRY
from shared.personal.fields import without_personal

# (kind, key) -> {part name: {"at": recorded_at, "id": event_id, "data": {...}}}
Facts = dict[tuple[str, str], dict[str, Any]]

# What the facts hold: raised whenever `fact_updates` reads more of the events (a new type, a
# new field), so that facts kept by older code are rebuilt from the log once (see
# handlers.rebuild). 2: grounds, catch-all decisions, notice kinds, letters, confidential
# licences and investigations. 3: the kind of a letter (a defence surplus notice).
# 4: personal fields (a private end user's or consignee's name, a contact) read as PERSONAL.
FACTS_VERSION = 4
# What a report shows for a natural person's name: the person is never named in a report.
PERSONAL = "private person"
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
    return {f: payload[f] for f in fields if f in payload}


def _with_occurred(env: dict[str, Any], data: dict[str, Any], field: str) -> dict[str, Any]:
    data.setdefault(field, env.get("occurred_at"))
    return data


# One function per reported event type: (envelope, payload, stream id) -> the parts it sets.
_Updater = Callable[[dict[str, Any], dict[str, Any], str], list[Update]]
_UPDATERS: dict[str, _Updater] = {
    "ApplicationSubmitted": lambda env, p, sid: [
        ("app", sid, "submitted", _pick(p, _APPLICATION_FIELDS))],
    "ApplicationWithdrawn": lambda env, p, sid: [
        ("app", sid, "withdrawn", {"reason": p.get("reason")})],
    "CaseOpened": lambda env, p, sid: [
        ("app", sid, "opened", _pick(p, ("reference", "regime", "procedure")))],
    "CaseDecided": lambda env, p, sid: [
        ("app", sid, "decided", _with_occurred(env, _pick(p, (
            "outcome", "criteria", "grounds", "catch_all", "decided_at", "queue", "reference")),
            "decided_at"))],
    "LicenceIssued": lambda env, p, sid: [
        ("app", sid, "licence", _with_occurred(env, _pick(p, _LICENCE_FIELDS), "decided_at"))],
    "LicenceMarkedConfidential": lambda env, p, sid: [
        ("app", sid, "confidential", _pick(p, ("licence_number", "release_on", "reason")))],
    "ShipmentRecorded": lambda env, p, sid: [
        ("shipment", f"{sid}:{p.get('declaration_ref')}", "recorded", _pick(p, (
            "licence_number", "application_id", "declaration_ref", "shipped_on", "country",
            "quantity", "value_eur", "regime")))],
    "RealisationReported": lambda env, p, sid: [
        ("realisation", str(p.get("id") or sid), "reported", _pick(p, (
            "code", "regime", "period", "direction", "country", "destination", "value_eur",
            "ratings", "flagged", "flags")))],
    "ParliamentNotificationDue": lambda env, p, sid: [
        ("notification", str(p.get("id") or sid), "due", _pick(p, (
            "licence_number", "kind", "destination", "description", "value_eur", "decided_on",
            "due_by")))],
    "ParliamentNotificationSent": lambda env, p, sid: [
        ("notification", str(p.get("id") or sid), "sent", _pick(p, (
            "licence_number", "sent_on", "explanation", "letter_reference")))],
    "ParliamentLetterSent": lambda env, p, sid: [
        ("letter", str(p.get("id") or sid), "sent", _pick(p, (
            "reference", "sent_on", "destination", "licence_numbers", "note", "kind")))],
    "ConsultationOpened": lambda env, p, sid: [
        ("consultation", str(p.get("id") or sid), "opened", _with_occurred(env, _pick(p, (
            "denial_id", "consulting_state", "denying_state", "application_ref", "due_by",
            "opened_at")), "opened_at"))],
    "InvestigationReferred": lambda env, p, sid: [
        ("investigation", str(p.get("id") or sid), "referred", _pick(p, (
            "subject_kind", "subject_id", "referred_on", "authority")))],
    "InvestigationConcluded": lambda env, p, sid: [
        ("investigation", str(p.get("id") or sid), "concluded", _pick(p, (
            "outcome", "concluded_on")))],
}

# The event types that set a fact part; `fact_updates` of any other type is empty, so a rebuild
# need not read them at all.
REPORTED_TYPES: tuple[str, ...] = tuple(_UPDATERS)


def fact_updates(env: dict[str, Any]) -> list[Update]:
    """The fact parts one event sets, as (kind, key, part, data); empty for events not reported."""
    kind = env.get("type")
    updater = _UPDATERS.get(kind) if isinstance(kind, str) else None
    if updater is None:
        return []
    payload = env.get("payload") or {}
    version = env.get("version", 1)
    if version != REGISTRY.newest_version(str(env.get("source")), str(kind)):
        # A stored older version is read as the newest, live and in a rebuild alike.
        payload = REGISTRY.upcast(str(env.get("source")), str(kind), int(version), payload)
    # The facts never hold personal data, so no report depends on it: a person's name reads as
    # PERSONAL whether the log holds it sealed, opened or erased (shared.personal).
    payload = without_personal(REGISTRY.model(str(env.get("source")), str(kind)), payload,
                               PERSONAL)
    return updater(env, payload, str(env.get("stream_id", "")))


def merge_part(fact: dict[str, Any], part: str, stamped: dict[str, Any]) -> bool:
    """Put a stamped part into a fact unless a higher-stamped one is there; True if changed."""
    old = fact.get(part)
    if old is not None and (old["at"], old["id"]) >= (stamped["at"], stamped["id"]):
        return False
    fact[part] = stamped
    return True


# The fixed form itself; hours stop at 23 so that no text of this shape is moved by parsing.
_UTC_KEY = re.compile(
    r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def recorded_key(value: Any) -> str:
    """A recorded time in one fixed UTC form, so that stamps compare as strings."""
    text = str(value or "")
    if _UTC_KEY.fullmatch(text):
        return text  # already in that form (as recorded events are): parsing would not change it
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamp(env: dict[str, Any], data: Any) -> dict[str, Any]:
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


def parts(facts: Facts, kind: str, part: str) -> list[dict[str, Any]]:
    """The data of one part of every fact of a kind, in key order."""
    return [fact[part]["data"] for (k, _key), fact in sorted(facts.items())
            if k == kind and part in fact]
