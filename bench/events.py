"""Synthetic but well-formed event logs: sealed, hash-chained envelopes of licence lifecycles."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterator
from typing import Any

from shared.envelope import GENESIS_HASH, Envelope, canonical_json

EVENTS_PER_APPLICATION = 5
COUNTRIES = ["NO", "US", "GB", "DE", "FR", "IN", "SA", "AE", "BR", "JP", "KR", "AU", "CA", "ZA"]
RATINGS = ["ML5a", "ML1a", "ML4b", "ML10d", "ML11a", "ML13c", "ML21b", "ML22a"]
ACTOR = {"roles": ["customs"], "state": None, "sub": "bench"}
SYSTEM_ACTOR = {"roles": ["system"], "state": None, "sub": "system"}


def application_body(i: int, rng: random.Random | None = None) -> dict[str, Any]:
    """A contract-valid application body (POST /v1/applications), unique by `i`."""
    rng = rng or random.Random(i)
    country = COUNTRIES[i % len(COUNTRIES)]
    return {
        "reference": f"BENCH-{i:09d}-{rng.randrange(10**6):06d}",
        "regime": "military", "transaction": "export", "licence_type": "individual",
        "applicant": {"name": f"Exporter {i % 500} B.V.", "eori": f"NL{100000000 + i % 500}"},
        "destinations": [country],
        "end_user": {"name": f"Ministry of Defence {country}", "country": country,
                     "type": "armed_forces"},
        "end_use": "Replacement parts for fire-control systems of coastal defence units",
        "goods": [{"description": "Fire-control radar subassembly",
                   "rating": RATINGS[i % len(RATINGS)], "quantity": 2,
                   "value_eur": f"{1250000 + (i % 97) * 1000}.00"}],
    }


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _seal(data: dict[str, Any]) -> bytes:
    data["hash"] = hashlib.sha256(canonical_json(data).encode()).hexdigest()
    return canonical_json(data).encode()


def lifecycle(i: int, start: dt.datetime) -> list[tuple[str, bytes]]:
    """One application's events (intake's submission, assessment's case) as (subject, body)."""
    app_id = f"app-{i:09d}"
    # Never a whole second: pydantic drops a zero fraction, and the hash covers the text.
    at = start + dt.timedelta(seconds=i * 37, microseconds=1 + (i * 7919) % 999_998)
    year_days = (at - start).days
    body = application_body(i)
    document = {**body, "id": app_id, "received_at": _iso(at), "status": "submitted",
                "procedure": "licence", "purpose": "definitive", "amends": None,
                "catch_all": False, "destination_group": None, "origins": [],
                "consignee": None, "service_value_eur": None,
                "value_eur": body["goods"][0]["value_eur"]}
    approved = i % 10 != 0
    decided = at + dt.timedelta(days=3)
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("intake", "ApplicationSubmitted", document),
        ("assessment", "CaseOpened", {"application_id": app_id, "reference": body["reference"],
                                      "regime": "military", "procedure": "licence"}),
        ("assessment", "ScreeningCompleted", {"embargoes": [], "denial_matches": [],
                                              "general_licence_hints": [],
                                              "registry_version": year_days}),
        ("assessment", "CaseDecided", {
            "application_id": app_id, "reference": body["reference"],
            "outcome": "approved" if approved else "denied",
            "criteria": [] if approved else [1, 7], "note": "", "decided_at": _iso(decided),
            "queue": "cdiu"}),
    ]
    if approved:
        steps.append(("assessment", "LicenceIssued", {
            "licence_number": f"NL-{i:09d}", "application_id": app_id,
            "reference": body["reference"], "regime": "military",
            "licence_type": "individual", "transaction": "export", "purpose": "definitive",
            "catch_all": False, "destinations": body["destinations"],
            "destination_group": None, "origins": [], "goods": body["goods"],
            "value_eur": document["value_eur"], "service_value_eur": None,
            "valid_from": decided.date().isoformat(),
            "valid_until": (decided + dt.timedelta(days=365)).date().isoformat(),
            "decided_at": _iso(decided), "amends": None}))
    else:
        steps.append(("assessment", "FindingRecorded", {"criterion": 7, "finding": "risk",
                                                        "note": "diversion risk"}))
    out: list[tuple[str, bytes]] = []
    versions: dict[str, tuple[int, str]] = {}
    for n, (source, kind, payload) in enumerate(steps):
        version, prev = versions.get(source, (0, GENESIS_HASH))
        moment = _iso(at + dt.timedelta(days=n))
        data = {
            "actor": ACTOR if source == "intake" else SYSTEM_ACTOR, "causation_id": None,
            "correlation_id": app_id, "event_id": f"{i:08x}-0000-4000-8000-{n:012x}",
            "occurred_at": moment, "payload": payload, "prev_hash": prev,
            "recorded_at": moment, "source": source, "specversion": "1.0",
            "stream_id": app_id, "stream_version": version + 1, "type": kind, "version": 1,
        }
        raw = _seal(data)
        versions[source] = (version + 1, data["hash"])
        out.append((f"lic.{source}.{app_id}.{kind}", raw))
    return out


def generate(count: int, first: int = 0) -> Iterator[tuple[str, bytes]]:
    """`count` events (whole lifecycles, the last one cut short if needed), oldest first."""
    start = dt.datetime(2023, 1, 1, 8, tzinfo=dt.UTC)
    produced, i = 0, first
    while produced < count:
        for item in lifecycle(i, start):
            if produced == count:
                return
            yield item
            produced += 1
        i += 1


def self_check() -> None:
    """The generated envelopes parse and their hashes hold, as the real ones do."""
    for _subject, raw in lifecycle(1, dt.datetime(2023, 1, 1, tzinfo=dt.UTC)):
        env = Envelope.parse(raw)
        assert env.compute_hash() == env.hash, "generated envelope hash does not verify"
        assert env.to_json().encode() == raw, "generated envelope is not canonical"
    json.loads(raw)
