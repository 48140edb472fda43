"""Every service documents itself offline: /docs with its own assets, the bearer scheme."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.topology import SERVICES
from tests.harness import NatsServer, run_service


@pytest.mark.parametrize("service", SERVICES)
async def test_docs_work_without_internet_and_declare_the_bearer_scheme(
        service: str, nats_server: NatsServer, tmp_path: Path) -> None:
    async with run_service(service, data_dir=tmp_path, nats_url=nats_server.url) as svc:
        page = await svc.client.get("/docs")
        assert page.status_code == 200
        assert "http" not in page.text.split("<body")[1].replace("/openapi.json", ""), \
            "the docs page loads nothing from another host"
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert f"/docs/static/{asset}" in page.text
            served = await svc.client.get(f"/docs/static/{asset}")
            assert served.status_code == 200 and len(served.content) > 10_000
        schema = (await svc.client.get("/openapi.json")).json()
        assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
