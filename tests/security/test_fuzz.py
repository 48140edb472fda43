"""schemathesis against each service's OpenAPI document, in-process on a real database
(SQLite in tmp) and a real nats-server: every generated request, valid and invalid, is
answered without a 5xx and in the shape its route declares (status documented, content type
and body valid against the schema).

Each operation is called with a token of a role it serves (tests/security/access.py).
`LICENSING_FUZZ_CASES` sets the generated requests per service (default 1000, the CI figure);
`LICENSING_FUZZ_SEED` draws other cases than the fixed ones CI sends.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode

from tests.denials.conftest import denial_body
from tests.harness import NatsServer, token, walkthrough_application
from tests.security.access import caller_for, roles_for
from tests.security.served import Served

CASES = int(os.environ.get("LICENSING_FUZZ_CASES", "1000"))
# The same cases every run unless LICENSING_FUZZ_SEED asks for others (to explore).
SEED = int(os.environ["LICENSING_FUZZ_SEED"]) if os.environ.get("LICENSING_FUZZ_SEED") else None
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _transport(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis's requests-style arguments as httpx's."""
    out: dict[str, Any] = {"headers": kwargs.get("headers") or {},
                           "params": kwargs.get("params") or None}
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    if "data" in kwargs:
        data = kwargs["data"]
        out["content" if isinstance(data, bytes | str) else "data"] = data
    if "files" in kwargs:
        out["files"] = kwargs["files"]
    return out


def _generate(served: Served, operation: Any, mode: GenerationMode, headers: dict[str, str],
              examples: int, statuses: Counter[str], failures: list[str],
              path: dict[str, str] | None = None) -> None:
    """Send `examples` generated cases of one operation, noting statuses and failures;
    `path` fixes the path parameters (to resources that exist)."""

    @settings(max_examples=examples, deadline=None, database=None, derandomize=SEED is None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @seed(SEED or 0)
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="")
        # Invalid cases may leave the token out: the authorisation matrix covers that.
        kwargs["headers"] = {**(kwargs.get("headers") or {}), **headers}
        try:
            response = served.request(kwargs["method"], kwargs["url"], **_transport(kwargs))
        except Exception as exc:  # noqa: BLE001 - the app raised: a 500, noted with its cause
            statuses["500"] += 1
            failures.append(f"{operation.label} [{mode.value}] -> 500: {exc!r}\n"
                            f"   request: {kwargs['url']} {str(_transport(kwargs))[:400]}")
            return
        statuses[f"{response.status_code}"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:  # every failure is collected
            failures.append(f"{operation.label} [{mode.value}] -> {response.status_code}: "
                            f"{str(exc)[:600]}\n   request: {kwargs['url']} "
                            f"{str(_transport(kwargs))[:400]}")

    run()


def fuzz(served: Served, *, cases: int, seeds: dict[str, str] | None = None
         ) -> tuple[Counter[str], list[str]]:
    """Run the generated cases against a served app; the statuses met and the failures.

    Besides the generated path parameters (which name nothing, mostly: 404), operations whose
    path parameters are all in `seeds` get a round of valid cases on those resources."""
    seeds = seeds or {}
    schema = schemathesis.openapi.from_dict(served.request("GET", "/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    # Valid and invalid cases each, and a round on existing resources: 0.6 of the share per
    # operation and mode comes to 1.1-1.3 times `cases` in all (some operations have fewer
    # distinct inputs than that); the test checks that `cases` were reached.
    per_operation = math.ceil(0.6 * cases / len(operations))
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    for operation in operations:
        roles = roles_for(served.name, operation.method, operation.path)
        headers = {}
        if roles:
            role, state = caller_for(roles)
            headers["Authorization"] = f"Bearer {token(role, state=state, sub='fuzzer')}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _generate(served, operation, mode, headers, per_operation, statuses, failures)
            except Unsatisfiable:  # nothing invalid to send (no parameters, no body)
                continue
        names = [p.name for p in operation.iter_parameters() if p.location == "path"]
        if names and all(name in seeds for name in names):
            _generate(served, operation, GenerationMode.POSITIVE, headers, per_operation,
                      statuses, failures, path={name: seeds[name] for name in names})
    return statuses, failures


APPLICATION = walkthrough_application("NL-FUZZ-2024-0001")


def _auth(role: str, state: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, state=state, sub='seeder')}"}


def _created(served: Served, path: str, body: dict[str, Any], headers: dict[str, str]) -> str:
    answer = served.request("POST", path, json=body, headers=headers)
    assert answer.status_code == 201, (path, answer.text)
    return str(answer.json()["id"])


def _submitted(intake: Served) -> str:
    """An application submitted to intake: its id."""
    return _created(intake, "/v1/applications", APPLICATION,
                    {**_auth("customs"), "Idempotency-Key": "fuzz-seed"})


def _until(served: Served, path: str, headers: dict[str, str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while served.request("GET", path, headers=headers).status_code != 200:
        assert time.monotonic() < deadline, f"{path} never answered 200"
        time.sleep(0.2)  # polling another service's consumer, with a deadline


def resources(service: str, served: Served, intake: Served | None) -> dict[str, str]:
    """Resources that exist, by the path parameter naming them."""
    if service == "intake":
        customs = _auth("customs")
        return {
            "application_id": _submitted(served), "code": "NL003", "eori": "NL123456789",
            "request_id": _created(served, "/v1/classification-requests", {
                "description": "thermal camera core", "technical_data": "640x512, 12 um"},
                customs),
            "registration_id": _created(served, "/v1/general-licences/NL003/registrations", {
                "exporter": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
                "registered_on": "2024-01-01"}, customs)}
    if service == "denials":
        denial_id = _created(served, "/v1/denials", denial_body(), _auth("partner", "DE"))
        return {"denial_id": denial_id, "consultation_id": _created(
            served, "/v1/consultations", {"denial_id": denial_id,
                                          "application_ref": "NL-FUZZ-2024-0001",
                                          "question": "Is the denial still relevant?"},
            _auth("assessor"))}
    assert intake is not None
    application_id = _submitted(intake)
    if service == "assessment":
        _until(served, f"/v1/cases/{application_id}", _auth("assessor"))
        return {"case_id": application_id}
    _until(served, f"/v1/streams/{application_id}", _auth("reporter"))
    return {"application_id": application_id, "year": "2024", "month": "3"}


@pytest.mark.slow
# schemathesis's own strategies use `random`, which Hypothesis warns of: not this suite's.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.parametrize("service", ["intake", "assessment", "denials", "reporting"])
def test_generated_requests_get_no_5xx_and_match_their_schema(
        service: str, tmp_path: Path, nats_server: NatsServer) -> None:
    with contextlib.ExitStack() as stack:
        intake = None
        if service in ("assessment", "reporting"):  # they learn of applications from intake
            (tmp_path / "intake").mkdir()
            intake = stack.enter_context(Served("intake", data_dir=tmp_path / "intake",
                                                nats_url=nats_server.url))
        (tmp_path / service).mkdir(exist_ok=True)
        served = stack.enter_context(Served(service, data_dir=tmp_path / service,
                                            nats_url=nats_server.url))
        statuses, failures = fuzz(served, cases=CASES, seeds=resources(service, served, intake))
        total = sum(statuses.values())
        print(f"{service}: {total} generated requests, statuses {dict(sorted(statuses.items()))}")
        assert served.request("GET", "/health").status_code == 200
    assert not failures, f"{len(failures)} of {total} answers broke a check:\n" + "\n".join(
        failures[:40])
    assert total >= CASES, f"only {total} requests were generated (wanted {CASES})"
