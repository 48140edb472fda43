"""The rebuild reads each message once (envelope and payload in one validation of the bytes):
it must admit and refuse exactly what `read_envelope`, the live consumer's test, does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.reporting.domain.reading import read_envelope
from services.reporting.handlers.rebuild import read_data
from shared.clock import utcnow
from shared.contracts import REGISTRY, UnusableEvent
from shared.envelope import SYSTEM, Envelope


def _body(model: Any, payload: dict[str, Any], version: int | None = None) -> bytes:
    return Envelope(event_id="e-1", type=model.event_type, source=model.event_source,
                    version=version or model.event_version, stream_id="s-1", stream_version=1,
                    occurred_at=utcnow(), recorded_at=utcnow(), actor=SYSTEM,
                    correlation_id="c", payload=payload).sealed().to_json().encode()


def _reason(data: bytes) -> str | None:
    try:
        read_envelope(data)
    except UnusableEvent as exc:
        return str(exc)
    return None


EXAMPLES = [(model, example) for model in REGISTRY for example in model.examples]


@pytest.mark.parametrize(("model", "example"), EXAMPLES,
                         ids=[f"{m.event_type}-{i}" for i, (m, _e) in enumerate(EXAMPLES)])
def test_every_contract_example_is_read_as_its_json(model: Any, example: dict[str, Any]) -> None:
    data = _body(model, example)
    assert _reason(data) is None
    assert read_data(data) == json.loads(data)


@pytest.mark.parametrize("model", list(REGISTRY), ids=lambda m: m.event_type)
def test_a_payload_the_contract_refuses_is_refused_with_the_live_reason(model: Any) -> None:
    required = [name for name, field in model.model_fields.items() if field.is_required()]
    if not required:
        pytest.skip("every field of this contract is optional")
    payload = dict(model.examples[0]) if model.examples else {}
    payload[required[0]] = {"not": ["what", "the", "contract", "reads"]}
    data = _body(model, payload)
    reason = _reason(data)
    assert reason is not None
    with pytest.raises(UnusableEvent) as refused:
        read_data(data)
    assert str(refused.value) == reason


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", b'{"type": "X"}',
                                  json.dumps({"source": "intake", "type": "Nope",
                                              "version": 1}).encode(),
                                  json.dumps({"source": ["intake"], "type": {"a": 1},
                                              "version": [1]}).encode()])
def test_what_is_no_envelope_is_refused_with_the_live_reason(data: bytes) -> None:
    reason = _reason(data)
    assert reason is not None
    with pytest.raises(UnusableEvent) as refused:
        read_data(data)
    assert str(refused.value) == reason


def test_an_older_version_is_read_upcast_as_live() -> None:
    older = [m for m in REGISTRY if m.event_version > 1]
    if not older:
        pytest.skip("no contract has an older version")
    model = older[0]
    data = _body(model, {}, version=1)
    reason = _reason(data)
    if reason is None:
        assert read_data(data) == json.loads(data)
    else:
        with pytest.raises(UnusableEvent, match="."):
            read_data(data)
