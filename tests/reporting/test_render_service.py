"""The HTML report's language over HTTP and on the command line, against a served reporting.

The service runs for real (uvicorn on a socket of its own, a real nats-server, SQLite), so that
`licensing report ... --lang` is the command a user types, talking HTTP to it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from licensing.cli import main
from tests.harness import TEST_SECRET, NatsServer, eventually, token
from tests.reporting.history import History
from tests.reporting.test_render_html import money, parse, screen_table
from tests.reporting.test_service import publish

REPORTER = {"Authorization": f"Bearer {token('reporter')}"}
# Seconds an HTML answer may take: it draws seven charts, slow on a machine shared under load.
TIMEOUT = 60.0


def scenario() -> History:
    """A small 2024: Ukraine, the United States, the UK, several countries, a denial."""
    h = History()
    h.decide(h.submit(destinations=("UA",), goods=(("ML6", "1250000.00"), ("ML1", "250000.00"))))
    h.decide(h.submit(destinations=("US",), goods=(("ML10c", "312848962.29"),)))
    h.decide(h.submit(destinations=("GB",), goods=(("ML10", "700000.00"),)))
    h.decide(h.submit(destinations=("DE", "IN"), goods=(("ML5", "500000.00"),)))
    h.decide(h.submit(destinations=("EG",)), "denied", criteria=(2, 7),
             decided_at="2024-04-02T10:00:00+00:00")
    return h


@pytest.fixture
async def served(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[str]:
    """Reporting served over real HTTP with the scenario's events in; yields its URL."""
    from services.reporting.app import create_app
    from services.reporting.settings import Settings

    settings = Settings(data_dir=tmp_path, nats_url=nats_server.url,
                        db=f"sqlite+aiosqlite:///{tmp_path / 'reporting.db'}",
                        jwt_secret=TEST_SECRET)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(settings), lifespan="on",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async def started() -> bool:
            return server.started
        await eventually(started, timeout=30)
        history = scenario()
        await publish(nats_server.url, history.envelopes)
        async with httpx.AsyncClient(base_url=url, headers=REPORTER) as client:
            async def caught_up() -> Any:
                status = (await client.get("/v1/projections/status")).json()
                return status["lag"] == 0 and status["position"] == len(history.envelopes)
            await eventually(caught_up, timeout=30)
        yield url
    finally:
        server.should_exit = True
        await task
        sock.close()


async def test_html_in_dutch_by_default_and_in_english_on_request(served: str) -> None:
    async with httpx.AsyncClient(base_url=served, headers=REPORTER, timeout=TIMEOUT) as c:
        path = "/v1/reports/annual/2024"
        default = await c.get(path, params={"format": "html"})
        dutch = await c.get(path, params={"format": "html", "lang": "nl"})
        english = await c.get(path, params={"format": "html", "lang": "en"})
        assert default.status_code == dutch.status_code == english.status_code == 200
        assert default.text == dutch.text
        assert '<html lang="nl">' in dutch.text and "Oekraïne" in dutch.text
        assert '<html lang="en">' in english.text and "Ukraine" in english.text
        # The JSON and CSV are the contract: the language leaves them byte for byte alone.
        for params in ({}, {"format": "csv", "table": "military.by_destination"}):
            plain = await c.get(path, params=params)
            assert (await c.get(path, params={**params, "lang": "en"})).content == plain.content
        bad = await c.get(path, params={"format": "html", "lang": "de"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["errors"][0]["loc"] == ["query", "lang"]
        spec = (await c.get("/openapi.json")).json()
    params = spec["paths"]["/v1/reports/annual/{year}"]["get"]["parameters"]
    lang = next(p for p in params if p["name"] == "lang")
    assert lang["in"] == "query" and lang["schema"]["enum"] == ["nl", "en"]
    assert lang["schema"]["default"] == "nl"


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_licensing_report_writes_the_html_in_the_language_asked_for(
        served: str, tmp_path: Path, lang: str) -> None:
    out = tmp_path / f"report-{lang}.html"
    argv = ["report", "2024", "--format", "html", "--lang", lang, "--url", served,
            "--token", token("reporter"), "-o", str(out)]
    assert await asyncio.to_thread(main, argv) == 0
    async with httpx.AsyncClient(base_url=served, headers=REPORTER, timeout=TIMEOUT) as c:
        doc = (await c.get("/v1/reports/annual/2024")).json()
    page = parse(out.read_text(encoding="utf-8"))
    names = {"nl": {"UA": "Oekraïne", "US": "Verenigde Staten", "GB": "Verenigd Koninkrijk",
                    "VARIOUS": "Diverse"},
             "en": {"UA": "Ukraine", "US": "United States", "GB": "United Kingdom",
                    "VARIOUS": "Various"}}[lang]
    g = screen_table(page, "military.by_destination")
    shown = {c[0].attrs["data-code"]: (c[0].text(), money(c[-1].text(), lang)) for c in g.rows}
    assert shown == {r["destination"]: (names[r["destination"]], Decimal(r["total_eur"]))
                     for r in doc["military"]["by_destination"]}
    assert [c[0].text() for c in g.rows] == sorted(names.values())
    assert g.total is not None
    assert money(g.total[-1].text(), lang) == Decimal(
        doc["military"]["summary"][0]["total_value_eur"])
    us = next(c for c in g.rows if c[0].attrs["data-code"] == "US")
    assert us[-1].text() == ("€\u00a0312.848.962,29" if lang == "nl" else "€312,848,962.29")


def test_licensing_report_refuses_another_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["report", "2024", "--format", "html", "--lang", "de"])
    assert exit_.value.code == 2
    assert "--lang" in capsys.readouterr().err
