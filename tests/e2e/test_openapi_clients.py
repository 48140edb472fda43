"""A client generated from each service's OpenAPI document reads the service's real answers.

Models are generated from `/openapi.json` with datamodel-code-generator (extra fields
forbidden); a short life of one licence is driven through the four services, and every answer
is parsed into the model its route declares for its status. An answer that breaks its own
declared schema (a missing or extra field, a wrong type) fails here.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.assessment.conftest import beside
from tests.harness import (
    NatsServer,
    RunningService,
    auth,
    eventually,
    run_service,
    walkthrough_application,
)

CUSTOMS, ASSESSOR, MFA = auth("customs"), auth("assessor"), auth("mfa")
REPORTER, ADMIN = auth("reporter"), auth("admin")
PARTNER = auth("partner", state="DE")


@dataclass
class Service:
    """A running service, the client models generated from its OpenAPI, and what was checked."""

    running: RunningService
    openapi: dict[str, Any]
    models: ModuleType
    checked: list[str] = field(default_factory=list)

    async def call(self, method: str, template: str, headers: dict[str, str], *,
                   json_body: Any = None, params: dict[str, Any] | None = None,
                   **path: str) -> httpx.Response:
        """Call a route and parse its answer into the generated model of its status."""
        url = template.format(**path)
        response = await self.running.client.request(method, url, headers=headers,
                                                     json=json_body, params=params)
        self.parse(method, template, response)
        return response

    def parse(self, method: str, template: str, response: httpx.Response) -> None:
        operation = self.openapi["paths"][template][method.lower()]
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, (
            f"{method} {template} answered {response.status_code}, which it does not declare "
            f"({sorted(operation['responses'])}): {response.text[:300]}")
        content_type = response.headers["content-type"].split(";")[0]
        schema = (declared.get("content") or {}).get(content_type, {}).get("schema")
        assert schema is not None, f"{method} {template} {response.status_code}: no schema for " \
                                   f"{content_type}"
        if "$ref" in schema:
            model = getattr(self.models, schema["$ref"].rsplit("/", 1)[1])
            model.model_validate_json(response.content)
            self.checked.append(f"{method} {template} {response.status_code}")


def _models(openapi: dict[str, Any], directory: Path, name: str) -> ModuleType:
    source, target = directory / f"{name}.json", directory / f"{name}_client.py"
    source.write_text(json.dumps(openapi))
    subprocess.run([sys.executable, "-m", "datamodel_code_generator", "--input", str(source),
                    "--input-file-type", "openapi", "--output", str(target),
                    "--output-model-type", "pydantic_v2.BaseModel", "--formatters", "builtin",
                    "--extra-fields", "forbid", "--disable-timestamp"],
                   check=True, capture_output=True)
    spec = importlib.util.spec_from_file_location(f"generated_{name}_{uuid.uuid4().hex}", target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' references through it
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def system(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[dict[str, Service]]:
    """The four services in-process on one nats-server, each with its generated client."""
    from contextlib import AsyncExitStack

    async with AsyncExitStack() as stack:
        out: dict[str, Service] = {}
        for name in ("intake", "denials", "reporting", "assessment"):
            (tmp_path / name).mkdir()
            if name == "assessment":  # screening reaches the denials service in-process
                running = await stack.enter_async_context(
                    beside(out["denials"].running, tmp_path, nats_server.url, None))
            else:
                running = await stack.enter_async_context(
                    run_service(name, data_dir=tmp_path / name, nats_url=nats_server.url))
            openapi = (await running.client.get("/openapi.json")).json()
            out[name] = Service(running, openapi, _models(openapi, tmp_path, name))
        yield out


APPLICATION = walkthrough_application("NL-GEN-2024-0001")


async def test_generated_clients_read_every_answer_of_a_licence_s_life(
        system: dict[str, Service]) -> None:
    intake, assessment = system["intake"], system["assessment"]
    denials, reporting = system["denials"], system["reporting"]
    created = await intake.call("POST", "/v1/applications",
                                {**CUSTOMS, "Idempotency-Key": "gen-1"}, json_body=APPLICATION)
    assert created.status_code == 201
    app_id = created.json()["id"]
    await intake.call("GET", "/v1/applications/{application_id}", CUSTOMS,
                      application_id=app_id)
    await intake.call("GET", "/v1/applications/{application_id}", CUSTOMS,
                      application_id=str(uuid.uuid4()))  # 404

    async def screened() -> bool:
        r = await assessment.running.client.get(f"/v1/cases/{app_id}", headers=ASSESSOR)
        return r.status_code == 200 and r.json()["screening"]["status"] == "completed"

    await eventually(screened, timeout=30)
    await assessment.call("GET", "/v1/cases", ASSESSOR, params={"queue": "cdiu"})
    await assessment.call("GET", "/v1/cases/{case_id}", ASSESSOR, case_id=app_id)
    decided = await assessment.call("POST", "/v1/cases/{case_id}/decision", ASSESSOR,
                                    json_body={"outcome": "approve",
                                               "decided_at": "2024-03-05T10:00:00+00:00"},
                                    case_id=app_id)
    assert decided.status_code == 200, decided.text
    number = decided.json()["licence_number"]
    await assessment.call("GET", "/v1/licences/{licence_number}", ASSESSOR,
                          licence_number=number)
    await assessment.call("GET", "/v1/parliament-notifications", MFA)
    await assessment.call("POST", "/v1/cases/{case_id}/decision", ASSESSOR,
                          json_body={"outcome": "deny", "criteria": [1]}, case_id=app_id)

    async def licensed() -> bool:
        r = await intake.running.client.get(f"/v1/licences/{number}", headers=CUSTOMS)
        return r.status_code == 200

    await eventually(licensed, timeout=30)
    await intake.call("GET", "/v1/licences/{licence_number}", CUSTOMS, licence_number=number)
    shipped = await intake.call(
        "POST", "/v1/licences/{licence_number}/shipments", CUSTOMS, licence_number=number,
        json_body={"declaration_ref": "DECL-GEN-1", "shipped_on": "2024-04-02",
                   "country": "NO", "quantity": 1, "value_eur": "600000.00"})
    assert shipped.status_code == 201, shipped.text

    denial = await denials.call("POST", "/v1/denials", PARTNER, json_body={
        "reference": "DE-GEN-1", "denied_on": "2024-02-01", "regime": "military",
        "destination": "SA", "consignee": None,
        "end_user": {"name": "Royal Saudi Land Forces", "country": "SA"},
        "goods_description": "rifle scopes", "rating": "ML5a", "quantity": 200,
        "criteria": [2, 7]})
    assert denial.status_code == 201, denial.text
    await denials.call("GET", "/v1/denials", PARTNER)
    await denials.call("GET", "/v1/denials/{denial_id}", PARTNER, denial_id=denial.json()["id"])
    await denials.call("POST", "/v1/denials/matches", ASSESSOR, json_body={
        "destination": "SA", "end_user": {"name": "Royal Saudi Land Forces Command",
                                          "country": "SA"}, "rating": "ML5a"})

    async def reported() -> bool:
        r = await reporting.running.client.get(f"/v1/streams/{app_id}", headers=REPORTER)
        return r.status_code == 200 and any(e["type"] == "LicenceIssued"
                                            for e in r.json()["events"])

    await eventually(reported, timeout=30)
    await reporting.call("GET", "/v1/streams/{application_id}", REPORTER, application_id=app_id)
    await reporting.call("GET", "/v1/reports/annual/{year}", REPORTER, year="2024")
    await reporting.call("GET", "/v1/projections/status", ADMIN)
    for service in system.values():
        assert service.checked, f"nothing of {service.running.app.title} was checked"
    # Answers of every kind were read: created, read, not found, conflict.
    seen = {entry.rsplit(" ", 1)[1] for s in system.values() for entry in s.checked}
    assert {"200", "201", "404", "409"} <= seen
