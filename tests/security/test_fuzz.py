"""schemathesis against each service's OpenAPI document, in-process on a real database
(SQLite in tmp) and a real nats-server: every generated request, valid and invalid, is
answered without a 5xx and in the shape its route declares (status documented, content type
and body valid against the schema).

Each operation is called with a token of a role it serves (tests/security/access.py).
`LICENSING_FUZZ_CASES` sets the generated requests per service (default 1000, the CI figure).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode

from tests.harness import NatsServer, token
from tests.security.access import caller_for, roles_for
from tests.security.served import Served

CASES = int(os.environ.get("LICENSING_FUZZ_CASES", "1000"))
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
              examples: int, statuses: Counter[str], failures: list[str]) -> None:
    """Send `examples` generated cases of one operation, noting statuses and failures."""

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="")
        # Invalid cases may leave the token out: the authorisation matrix covers that.
        kwargs["headers"] = {**(kwargs.get("headers") or {}), **headers}
        response = served.request(kwargs["method"], kwargs["url"], **_transport(kwargs))
        statuses[f"{response.status_code}"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:  # every failure is collected
            failures.append(f"{operation.label} [{mode.value}] -> {response.status_code}: "
                            f"{str(exc)[:600]}\n   request: {kwargs['url']} "
                            f"{str(_transport(kwargs))[:400]}")

    run()


def fuzz(served: Served, *, cases: int) -> tuple[Counter[str], list[str]]:
    """Run the generated cases against a served app; the statuses met and the failures."""
    schema = schemathesis.openapi.from_dict(served.request("GET", "/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    # Valid and invalid cases each: some operations have fewer distinct inputs than that.
    per_operation = math.ceil(cases / len(operations))
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
    return statuses, failures


@pytest.mark.slow
@pytest.mark.parametrize("service", ["intake", "assessment", "denials", "reporting"])
def test_generated_requests_get_no_5xx_and_match_their_schema(
        service: str, tmp_path: Path, nats_server: NatsServer) -> None:
    with Served(service, data_dir=tmp_path, nats_url=nats_server.url) as served:
        statuses, failures = fuzz(served, cases=CASES)
        total = sum(statuses.values())
        print(f"{service}: {total} generated requests, statuses {dict(sorted(statuses.items()))}")
        assert served.request("GET", "/health").status_code == 200
    assert not failures, f"{len(failures)} of {total} answers broke a check:\n" + "\n".join(
        failures[:40])
    assert total >= CASES, f"only {total} requests were generated (wanted {CASES})"
