"""Hand-made event histories: envelopes as the other services emit them (see EVENTS.md)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from typing import Any

from shared.contracts.intake import flag_code_of_v1
from shared.envelope import SYSTEM, Envelope

SOURCES = {
    "ApplicationSubmitted": "intake", "ApplicationWithdrawn": "intake",
    "ShipmentRecorded": "intake", "RealisationReported": "intake",
    "CaseOpened": "assessment", "CaseDecided": "assessment", "LicenceIssued": "assessment",
    "ParliamentNotificationDue": "assessment", "ParliamentNotificationSent": "assessment",
    "ParliamentLetterSent": "assessment", "LicenceMarkedConfidential": "assessment",
    "InvestigationReferred": "assessment", "InvestigationConcluded": "assessment",
    "ConsultationOpened": "denials", "DenialRegistered": "denials",
}
T0 = dt.datetime(2024, 1, 2, 9, 0, tzinfo=dt.UTC)


def _period_end(period: str) -> str:
    """The last day of a period "2024" or "2024-Q3"."""
    year, _, quarter = period.partition("-Q")
    if not quarter:
        return f"{year}-12-31"
    month = 3 * int(quarter)
    last = (dt.date(int(year) + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
    return last.isoformat()


class History:
    """Builds a history of envelopes; every event is recorded one second after the last."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.clock = start
        self.envelopes: list[Envelope] = []
        self.versions: dict[tuple[str, str], int] = defaultdict(int)
        self.numbers = itertools.count(1)
        self.licences: dict[str, str] = {}

    def emit(self, type_: str, stream_id: str, payload: dict[str, Any], *,
             occurred_at: dt.datetime | None = None,
             recorded_at: dt.datetime | None = None, version: int = 1) -> Envelope:
        """Record one event (at `version` of its contract)."""
        self.clock += dt.timedelta(seconds=1)
        source = SOURCES[type_]
        self.versions[(source, stream_id)] += 1
        env = Envelope(
            event_id=str(uuid.uuid4()), type=type_, source=source, stream_id=stream_id,
            stream_version=self.versions[(source, stream_id)], version=version,
            occurred_at=occurred_at or self.clock, recorded_at=recorded_at or self.clock,
            actor=SYSTEM, correlation_id=stream_id, payload=payload,
        ).sealed()
        self.envelopes.append(env)
        return env

    def submit(self, *, regime: str = "military", transaction: str = "export",
               procedure: str = "licence", licence_type: str = "individual",
               purpose: str = "definitive", destinations: tuple[str, ...] = ("US",),
               destination_group: str | None = None, origins: tuple[str, ...] = (),
               goods: tuple[tuple[str, str], ...] = (("ML6", "1000.00"),),
               amends: dict[str, str] | None = None, catch_all: bool = False,
               service_value_eur: str | None = None, end_use: str = "armed forces",
               complete_system: bool = False, app_id: str | None = None) -> str:
        """An application as intake accepts it; returns its id."""
        app_id = app_id or uuid.uuid4().hex
        lines = [{"description": f"goods {rating}", "rating": rating, "quantity": 2,
                  "value_eur": value, "complete_system": complete_system,
                  "annex": rating.split(".")[0] if regime == "anti_torture" else None}
                 for rating, value in goods]
        from decimal import Decimal
        total = str(sum((Decimal(v) for _, v in goods), Decimal("0")))
        self.emit("ApplicationSubmitted", app_id, {
            "id": app_id, "reference": f"REF-{app_id[:8]}", "received_at": self.clock.isoformat(),
            "regime": regime, "procedure": procedure, "transaction": transaction,
            "licence_type": licence_type, "purpose": purpose, "amends": amends,
            "catch_all": catch_all, "applicant": {"name": "Acme BV", "eori": "NL123"},
            "destinations": list(destinations), "destination_group": destination_group,
            "origins": list(origins), "consignee": {"name": "Consignee Ltd",
                                                    "country": destinations[0]},
            "end_user": {"name": "Ministry of Defence", "country": destinations[0],
                         "type": "armed_forces"},
            "end_use": end_use, "goods": lines, "service_value_eur": service_value_eur,
            "value_eur": total,
        })
        self.emit("CaseOpened", app_id, {"application_id": app_id,
                                         "reference": f"REF-{app_id[:8]}", "regime": regime,
                                         "procedure": procedure})
        return app_id

    def decide(self, app_id: str, outcome: str = "approved", *,
               decided_at: str = "2024-03-01T10:00:00+00:00", criteria: tuple[int, ...] = (),
               grounds: tuple[str, ...] = (), recorded_at: dt.datetime | None = None
               ) -> str | None:
        """A decision; an approved licence application is issued a licence (its number)."""
        submitted = next(e for e in self.envelopes
                         if e.stream_id == app_id and e.type == "ApplicationSubmitted").payload
        decision: dict[str, Any] = {
            "application_id": app_id, "reference": submitted["reference"], "outcome": outcome,
            "criteria": list(criteria), "note": "", "decided_at": decided_at, "queue": "cdiu"}
        if grounds:
            decision["grounds"] = list(grounds)
        self.emit("CaseDecided", app_id, decision, recorded_at=recorded_at)
        if outcome != "approved" or submitted["procedure"] != "licence":
            return None
        number = f"NL-{decided_at[:4]}-{next(self.numbers):05d}"
        self.licences[number] = app_id
        fields = ("regime", "licence_type", "transaction", "purpose", "catch_all",
                  "destinations", "destination_group", "origins", "goods", "value_eur",
                  "service_value_eur", "amends")
        self.emit("LicenceIssued", app_id, {
            "licence_number": number, "application_id": app_id,
            "reference": submitted["reference"], **{f: submitted[f] for f in fields},
            "valid_from": decided_at[:10], "valid_until": "2027-01-01", "decided_at": decided_at,
        }, recorded_at=recorded_at)
        return number

    def ship(self, number: str, *, country: str, value_eur: str, shipped_on: str = "2024-05-01",
             regime: str = "military") -> None:
        """A shipment recorded under a licence."""
        app_id = self.licences[number]
        self.emit("ShipmentRecorded", app_id, {
            "licence_number": number, "application_id": app_id,
            "declaration_ref": uuid.uuid4().hex[:10], "shipped_on": shipped_on,
            "country": country, "quantity": 1, "value_eur": value_eur, "regime": regime})

    def realise(self, code: str, *, country: str, value_eur: str, period: str = "2024",
                direction: str = "export", ratings: tuple[str, ...] = ("ML5",),
                flagged: bool = False, regime: str = "military", version: int = 2,
                flag: str = "outside conditions") -> Envelope:
        """A general-licence realisation as intake records it now (version 2: each flag a code
        and a sentence), or as it did before (version 1: sentences only)."""
        rid = uuid.uuid4().hex
        flags: list[Any] = [flag] if flagged else []
        if version >= 2:
            flags = [{"code": flag_code_of_v1(text), "text": text} for text in flags]
        return self.emit("RealisationReported", rid, {
            "id": rid, "code": code, "regime": regime,
            "exporter": {"name": "Acme BV", "eori": "NL123"}, "period": period,
            "direction": direction, "country": country, "destination": None,
            "value_eur": value_eur, "ratings": list(ratings), "flagged": flagged,
            "flags": flags, "checked_on": _period_end(period)}, version=version)

    def fast_track(self, number: str, *, value_eur: str, decided_on: str = "2024-03-01",
                   sent_on: str | None = None, kind: str | None = None,
                   explanation: str | None = None, destination: str = "IN") -> None:
        """A parliament notification falling due (and sent, when `sent_on` is given): as
        version 1 wrote it (no `kind`: a fast-track notice), or of a `kind` (version 2)."""
        app_id = self.licences[number]
        nid = uuid.uuid4().hex
        due: dict[str, Any] = {
            "id": nid, "licence_number": number, "destination": destination,
            "description": "complete system", "value_eur": value_eur, "decided_on": decided_on,
            "due_by": "2024-03-15" if kind != "periodic_letter" else None}
        if kind is not None:
            due["kind"] = kind
        self.emit("ParliamentNotificationDue", app_id, due, version=1 if kind is None else 2)
        if sent_on:
            sent = {"id": nid, "licence_number": number, "sent_on": sent_on}
            if explanation:
                sent["explanation"] = explanation
            self.emit("ParliamentNotificationSent", app_id, sent)

    def letter(self, reference: str, *, sent_on: str, numbers: tuple[str, ...],
               destination: str = "UA", kind: str | None = None,
               note: str | None = None) -> None:
        """A periodic letter to parliament listing licences (as written before letters had a
        kind), or a document of a `kind` (a defence surplus notice)."""
        lid = uuid.uuid4().hex
        payload: dict[str, Any] = {
            "id": lid, "reference": reference, "sent_on": sent_on, "destination": destination,
            "licence_numbers": list(numbers), "note": note}
        if kind is not None:
            payload["kind"] = kind
        self.emit("ParliamentLetterSent", lid, payload)

    def confidential(self, number: str, *, release_on: str) -> None:
        """A licence marked confidential until `release_on`."""
        self.emit("LicenceMarkedConfidential", self.licences[number], {
            "licence_number": number, "release_on": release_on, "reason": "security"})

    def investigation(self, *, referred_on: str, outcome: str | None = None,
                      concluded_on: str | None = None) -> None:
        """An investigation referred (and concluded, when an outcome is given)."""
        iid = uuid.uuid4().hex
        self.emit("InvestigationReferred", iid, {
            "id": iid, "subject_kind": "realisation", "subject_id": "r1", "reason": "flagged",
            "referred_on": referred_on, "authority": "FIOD"})
        if outcome:
            self.emit("InvestigationConcluded", iid, {
                "id": iid, "outcome": outcome, "note": None, "concluded_on": concluded_on})

    def consultation(self, *, consulting: str, denying: str,
                     opened_at: str = "2024-04-01T10:00:00+00:00") -> None:
        """A consultation opened between two states."""
        cid = uuid.uuid4().hex
        self.emit("ConsultationOpened", cid, {
            "id": cid, "denial_id": uuid.uuid4().hex, "consulting_state": consulting,
            "denying_state": denying, "application_ref": "REF", "question": "?",
            "due_by": "2024-04-22", "opened_at": opened_at})

    def dicts(self) -> list[dict[str, Any]]:
        """The envelopes as the JSON dicts replay reads."""
        return [e.model_dump(mode="json") for e in self.envelopes]
