"""Reading stored events through their contracts, with no database and no NATS: an older
version read as the newest, and every kind of message no contract reads refused with why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.reporting.domain import build_report, evolve
from services.reporting.domain.facts import Facts
from services.reporting.domain.reading import read_envelope
from shared.contracts import UnusableEvent
from shared.envelope import Envelope
from shared.reference import load_reference
from tests.reporting.history import History

V1_FLAG = "NL008 does not cover final destination TR"


def fold(envelopes: list[Envelope]) -> Facts:
    facts: Facts = {}
    for env in envelopes:
        evolve(facts, env.model_dump(mode="json"))
    return facts


def realisation(facts: Facts) -> dict[str, Any]:
    [(key, fact)] = [(k, f) for k, f in facts.items() if k[0] == "realisation"]
    return fact["reported"]["data"]  # type: ignore[no-any-return]


def test_a_stored_v1_realisation_is_folded_as_v2_its_flags_with_codes() -> None:
    h = History()
    old = h.realise("NL008", country="US", value_eur="70.00", direction="transit",
                    flagged=True, flag=V1_FLAG, version=1)
    assert old.version == 1 and old.payload["flags"] == [V1_FLAG]
    assert realisation(fold(h.envelopes))["flags"] == [
        {"code": "destination-not-covered", "text": V1_FLAG}]


def test_a_v1_realisation_gives_the_report_its_v2_twin_gives() -> None:
    ref = load_reference()
    reports = []
    for version in (1, 2):
        h = History()
        h.realise("NL008", country="US", value_eur="70.00", direction="transit",
                  flagged=True, flag=V1_FLAG, version=version)
        h.realise("NL003", country="DE", value_eur="30.00", version=version)
        reports.append(build_report(2024, fold(h.envelopes), ref))
    assert reports[0] == reports[1]
    assert reports[0]["general_licences"][1] == {
        "licence": "NL008", "direction": "transit", "country": "US", "value_eur": "70.00",
        "categories": ["ML5"], "flagged": True, "flag_codes": ["destination-not-covered"],
        "flag_reasons": [V1_FLAG]}


def test_a_stored_v1_event_is_readable_in_its_stored_form() -> None:
    h = History()
    old = h.realise("NL003", country="DE", value_eur="30.00", version=1)
    read = read_envelope(old.to_json().encode())
    assert read == old  # the stored form; the facts read it as v2 (see above)


def _with(env: Envelope, **changes: Any) -> bytes:
    return json.dumps({**env.model_dump(mode="json"), **changes}).encode()


@pytest.mark.parametrize(("kind", "because"), [
    ("not JSON", "not an event envelope"),
    ("JSON, no envelope", "not an event envelope"),
    ("unknown version", "version 99 is unknown"),
    ("unknown type", "unknown event type 'CaseOpened' from 'intake'"),
    ("payload its contract does not read", "does not parse"),
])
def test_a_message_no_contract_reads_is_refused_saying_why(kind: str, because: str) -> None:
    h = History()
    app = h.submit()
    h.decide(app)
    submitted, opened, decided = h.envelopes[:3]
    body = {
        "not JSON": b"\x00{not json",
        "JSON, no envelope": b'{"hello": "world"}',
        "unknown version": _with(submitted, version=99),
        "unknown type": _with(opened, source="intake"),
        "payload its contract does not read": _with(
            decided, payload={**decided.payload, "outcome": "perhaps"}),
    }[kind]
    with pytest.raises(UnusableEvent, match=because):
        read_envelope(body)
