"""Arbitrary JSON and arbitrary field values at every intake endpoint: never a 5xx, and every
rejection is problem+json that says where the problem is."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import NatsServer, RunningService, eventually, run_service
from tests.intake.conftest import CUSTOMS, Assessment, application

SETTINGS = settings(max_examples=60, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Every character, lone surrogates included: JSON can carry "\ud800" and customs might send it.
TEXT = st.text(st.characters(blacklist_categories=()), max_size=40)
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70)
           | st.floats() | TEXT
           | st.sampled_from(["", "NL", "XX", "EU", "ML5", "3B001", "III.2.1", "II", "1.005",
                              "-1", "10000000000001", "2024-13-01", "2999-01-01",
                              "2024-06-01", "2024-03-01T09:00:00", "9999-12-31T23:59:59+14:00",
                              "0001-01-01T00:00:00+01:00", "transit", "brokering",
                              "anti_torture", "dual_use", "global", "a" * 301]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document where a value sits."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    doc = json.loads(json.dumps(doc))
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return doc


def mutations(valid: Callable[[], dict[str, Any]]) -> st.SearchStrategy[Any]:
    """A valid body with one field (anywhere in it) replaced by arbitrary JSON, or dropped."""
    @st.composite
    def build(draw: st.DrawFn) -> Any:
        doc = valid()
        path = draw(st.sampled_from(_paths(doc)))
        if draw(st.booleans()) and isinstance(path[-1], str):
            doc = json.loads(json.dumps(doc))
            target = doc
            for part in path[:-1]:
                target = target[part]
            del target[path[-1]]
            return doc
        return _replace(doc, path, draw(JSON))
    return build()


def bodies(valid: Callable[[], dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Arbitrary JSON, valid bodies with one field gone wrong, and bytes that are not JSON."""
    return st.one_of(JSON, mutations(valid), mutations(valid),
                     st.binary(max_size=64).map(lambda b: _Raw(b)))


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data


def assert_answer_is_sound(response: Any) -> None:
    """No 5xx; a rejection is problem+json, and a 422 names each field it refuses."""
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text
        problem = response.json()
        assert problem["status"] == response.status_code and problem["detail"]
        if response.status_code == 422:
            assert problem["errors"], problem
            for error in problem["errors"]:
                assert error["loc"] and error["loc"][0] in ("body", "header", "path", "query")
                assert error["msg"]


class Harness:
    """One intake for a whole property test, driven from synchronous hypothesis examples."""

    def __init__(self, runner: asyncio.Runner, nats_url: str, tmp_path: Path) -> None:
        self.runner = runner
        self.cm = run_service("intake", data_dir=tmp_path, nats_url=nats_url,
                              db=f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}")
        self.service: RunningService = runner.run(self.cm.__aenter__())
        runner.run(self.service.runtime.bus.wait_connected(timeout=15))
        self.assessment = Assessment(nats_url)

    def post(self, url: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        """POST a body as JSON text (NaN and lone surrogates included), or raw bytes."""
        content = body.data if isinstance(body, _Raw) else json.dumps(body).encode()
        headers = {**CUSTOMS, "Content-Type": "application/json", **(headers or {})}
        return self.runner.run(self.service.client.post(url, content=content, headers=headers))

    def get(self, url: str) -> Any:
        """GET with the customs role."""
        return self.runner.run(self.service.client.get(url, headers=CUSTOMS))

    def close(self) -> None:
        """Stop the service."""
        self.runner.run(self.assessment.close())
        self.runner.run(self.cm.__aexit__(None, None, None))


@pytest.fixture
def harness(nats_server: NatsServer, tmp_path: Path) -> Any:
    """A running intake and an event loop to drive it from hypothesis examples."""
    with asyncio.Runner() as runner:
        h = Harness(runner, nats_server.url, tmp_path)
        try:
            yield h
        finally:
            h.close()


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_applications_never_fail_with_a_server_error(harness: Harness) -> None:
    @SETTINGS
    @given(body=bodies(application))
    def check(body: Any) -> None:
        assert_answer_is_sound(harness.post("/v1/applications", body, _key()))

    check()


def _realisation() -> dict[str, Any]:
    return {"exporter": {"name": "Exporter B.V.", "eori": "NL123"}, "period": "2024-Q2",
            "direction": "transit", "country": "US", "destination": "DE", "value_eur": "10.00",
            "ratings": ["ML5"]}


def test_realisations_never_fail_with_a_server_error(harness: Harness) -> None:
    codes = st.sampled_from(["NL003", "NL007", "NL008", "NL009", "EU001", "EU007", "NL900",
                             "XX1", "nl003"]) | TEXT.filter(lambda s: "/" not in s and s)

    @SETTINGS
    @given(code=codes, body=bodies(_realisation))
    def check(code: str, body: Any) -> None:
        from urllib.parse import quote
        url = f"/v1/general-licences/{quote(code.encode('utf-8', 'surrogatepass'), safe='')}"
        assert_answer_is_sound(harness.post(url + "/realisations", body, _key()))

    check()


def test_shipments_never_fail_with_a_server_error(harness: Harness) -> None:
    app = harness.post("/v1/applications", application(), _key()).json()
    number = harness.runner.run(harness.assessment.issue(app["id"], destinations=["NO"],
                                                         value_eur="100000.00"))
    harness.runner.run(eventually(
        lambda: _ok(harness.service, f"/v1/licences/{number}")))

    def shipment() -> dict[str, Any]:
        return {"declaration_ref": str(uuid.uuid4()), "shipped_on": "2024-06-01",
                "country": "NO", "quantity": 1, "value_eur": "1.00"}

    @SETTINGS
    @given(body=bodies(shipment), known=st.booleans())
    def check(body: Any, known: bool) -> None:
        target = number if known else "NL-NONE"
        assert_answer_is_sound(harness.post(f"/v1/licences/{target}/shipments", body))

    check()
    licence = harness.get(f"/v1/licences/{number}").json()
    assert float(licence["value_used_eur"]) <= 100000


async def _ok(service: RunningService, url: str) -> bool:
    return (await service.client.get(url, headers=CUSTOMS)).status_code == 200


def test_classification_requests_and_withdrawals_never_fail_with_a_server_error(
    harness: Harness,
) -> None:
    def request() -> dict[str, Any]:
        return {"description": "camera", "technical_data": "640x512"}

    app = harness.post("/v1/applications", application(), _key()).json()

    @SETTINGS
    @given(body=bodies(request), withdrawal=JSON)
    def check(body: Any, withdrawal: Any) -> None:
        assert_answer_is_sound(harness.post("/v1/classification-requests", body, _key()))
        assert_answer_is_sound(harness.post(f"/v1/applications/{app['id']}/withdraw",
                                            withdrawal))

    check()


def test_reads_of_any_id_never_fail_with_a_server_error(harness: Harness) -> None:
    @SETTINGS
    @given(ident=TEXT)
    def check(ident: str) -> None:
        from urllib.parse import quote
        part = quote(ident.encode("utf-8", "surrogatepass"), safe="")
        for url in (f"/v1/applications/{part}", f"/v1/licences/{part}",
                    f"/v1/classification-requests/{part}",
                    f"/v1/general-licences/realisations/{part}"):
            assert_answer_is_sound(harness.get(url))

    check()
