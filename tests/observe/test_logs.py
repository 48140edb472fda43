"""Log lines: one JSON object each, with the ids of the work at hand, and never a secret."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from licensing.nats_server import free_port, wait_for_port
from shared import logs, tracing
from shared.auth import issue_token
from tests.harness import NatsServer
from tests.intake.conftest import application

SECRET = "observe-secret-" + uuid.uuid4().hex + "-long-enough"
REQUIRED = {"time", "level", "logger", "message"}


def record(message: str, *args: Any, exc: BaseException | None = None,
           **extra: Any) -> logging.LogRecord:
    """A log record as a logger would make it."""
    rec = logging.getLogger("test.observe").makeRecord(
        "test.observe", logging.INFO, __file__, 1, message, args,
        (type(exc), exc, exc.__traceback__) if exc else None, extra=extra)
    return rec


def test_a_line_is_one_json_object_with_the_bound_ids_and_the_span() -> None:
    formatter = logs.JsonFormatter(service="intake")
    tracing.install("test")
    with (tracing.tracer().start_as_current_span("work") as span,
          logs.bound(event_id="e-1", correlation_id="c-1", unused=None)):
        line = formatter.format(record("case %s opened", "A-1", queue="cdiu"))
    assert "\n" not in line
    data = json.loads(line)
    assert data.keys() >= REQUIRED
    assert data["message"] == "case A-1 opened" and data["level"] == "INFO"
    assert data["service"] == "intake" and data["logger"] == "test.observe"
    assert data["event_id"] == "e-1" and data["correlation_id"] == "c-1"
    assert "unused" not in data and data["queue"] == "cdiu"
    context = span.get_span_context()
    assert data["trace_id"] == format(context.trace_id, "032x")
    assert data["span_id"] == format(context.span_id, "016x")
    # Outside the block the ids are gone again.
    after = json.loads(formatter.format(record("later")))
    assert "event_id" not in after and "trace_id" not in after


def test_a_service_bound_in_the_context_names_the_line() -> None:
    formatter = logs.JsonFormatter(service="process")
    with logs.bound(service="assessment"):
        assert json.loads(formatter.format(record("x")))["service"] == "assessment"


def test_tokens_and_secrets_are_masked_in_messages_and_tracebacks() -> None:
    token = issue_token(SECRET, roles=["customs"], sub="someone")
    formatter = logs.JsonFormatter(secrets=[SECRET])
    try:
        raise ValueError(f"bad key {SECRET} for Bearer {token}")
    except ValueError as exc:
        line = formatter.format(record("header was Bearer %s; token %s; secret %s",
                                       "abc.def", token, SECRET, exc=exc, auth=token))
    assert SECRET not in line and token not in line and "abc.def" not in line
    data = json.loads(line)
    assert "ValueError" in data["exception"] and logs.MASK in data["exception"]
    assert data["auth"] == logs.MASK
    text = logs.TextFormatter(secrets=[SECRET]).format(record("t %s", token))
    assert token not in text and logs.MASK in text


def test_the_format_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(logs.LOG_FORMAT_ENV, raising=False)
    assert logs.log_format() == "json"
    monkeypatch.setenv(logs.LOG_FORMAT_ENV, "TEXT")
    assert logs.log_format() == "text"
    monkeypatch.setenv(logs.LOG_FORMAT_ENV, "xml")
    with pytest.raises(ValueError, match="json, text"):
        logs.log_format()


def test_the_exporter_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (tracing.EXPORTER_ENV, "OTEL_EXPORTER_OTLP_ENDPOINT",
                 "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert tracing.exporter_setting() == "none"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert tracing.exporter_setting() == "otlp"
    monkeypatch.setenv(tracing.EXPORTER_ENV, "console")
    assert tracing.exporter_setting() == "console"
    monkeypatch.setenv(tracing.EXPORTER_ENV, "jaeger")
    with pytest.raises(ValueError, match="console, otlp, none"):
        tracing.exporter_setting()


@dataclass
class Served:
    """A `licensing serve` process and where its output goes."""

    url: str
    proc: subprocess.Popen[bytes]
    directory: Path

    def stop(self) -> tuple[str, str]:
        """SIGTERM it, wait, and return what it wrote to stdout and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        return ((self.directory / "stdout").read_text(),
                (self.directory / "stderr").read_text())


@pytest.fixture
def served(tmp_path: Path, nats_server: NatsServer) -> Iterator[Served]:
    """`licensing serve intake` as a real process, spans exported to the console."""
    port = free_port()
    env = {**os.environ, "LICENSING_DATA_DIR": str(tmp_path), "LICENSING_NATS_URL":
           nats_server.url, "LICENSING_INTAKE_PORT": str(port), "LICENSING_JWT_SECRET": SECRET,
           "LICENSING_OTEL_EXPORTER": "console"}
    env.pop(logs.LOG_FORMAT_ENV, None)
    with (open(tmp_path / "stdout", "wb") as out, open(tmp_path / "stderr", "wb") as err):
        proc = subprocess.Popen([sys.executable, "-m", "licensing", "serve", "intake"],
                                env=env, stdout=out, stderr=err)
        running = Served(f"http://127.0.0.1:{port}", proc, tmp_path)
        try:
            assert wait_for_port(port, timeout=60), (tmp_path / "stderr").read_text()
            yield running
        finally:
            running.stop()


def test_licensing_serve_logs_json_lines_with_the_trace_and_no_secret(served: Served) -> None:
    token = issue_token(SECRET, roles=["customs"], sub="customs-system")
    trace_id = uuid.uuid4().hex
    with httpx.Client(base_url=served.url, timeout=30) as client:
        created = client.post("/v1/applications", json=application(), headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4()),
            "traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"})
        assert created.status_code == 201, created.text
        refused = client.get(f"/v1/applications/{created.json()['id']}",
                             headers={"Authorization": f"Bearer {token}x"})
        assert refused.status_code == 401
        assert client.get("/metrics").status_code == 200
    stdout, stderr = served.stop()
    assert served.proc.returncode == 0

    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert lines and all(line.keys() >= REQUIRED for line in lines)
    assert all(line["service"] == "intake" for line in lines)
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    post = [line for line in lines if line["message"].startswith("POST /v1/applications 201")]
    assert len(post) == 1 and post[0]["trace_id"] == trace_id
    assert any(line["message"].startswith("GET /v1/applications/")
               and line["http_status"] == 401 for line in lines)
    for text in (stderr, stdout):
        assert SECRET not in text and token not in text
    # The console exporter printed the request's span when the process ended.
    assert f'"trace_id": "0x{trace_id}"' in stdout


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver that keeps the bodies posted to /v1/traces."""

    bodies: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        length = int(self.headers.get("content-length", 0))
        if self.path == "/v1/traces":
            self.bodies.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


def test_spans_go_to_an_otlp_endpoint_when_one_is_configured(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ,
               "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{server.server_port}"}
        env.pop(tracing.EXPORTER_ENV, None)
        script = ("from opentelemetry import trace\n"
                  "from shared import tracing\n"
                  "tracing.install('probe')\n"
                  "with tracing.tracer().start_as_current_span('probe-span') as span:\n"
                  "    print(format(span.get_span_context().trace_id, '032x'))\n"
                  "trace.get_tracer_provider().shutdown()\n")
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=60, check=True)
    finally:
        server.shutdown()
        thread.join()
    trace_id = bytes.fromhex(done.stdout.strip())
    assert any(trace_id in body and b"probe-span" in body for body in _Collector.bodies)


def test_configure_puts_one_handler_of_the_format_on_the_root() -> None:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        handler = logs.configure("text", level="trace")
        assert root.handlers == [handler] and isinstance(handler.formatter, logs.TextFormatter)
        assert root.level == logs.TRACE < logging.DEBUG
        handler = logs.configure("json", service="denials", level="warning")
        assert root.handlers == [handler] and isinstance(handler.formatter, logs.JsonFormatter)
        assert root.level == logging.WARNING
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in before:
            root.addHandler(handler)
        root.setLevel(level)
