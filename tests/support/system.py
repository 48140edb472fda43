"""The whole system as real processes: N clustered nats-server nodes and the four services.

Start one with `running_system(directory, ...)` (an async context manager that kills every
process it started on the way out, whatever happened), or `start_system(...)` and
`System.stop()`. Then, black-box:

    async with running_system(tmp_path, nodes=3, replicas=3) as system:
        async with system.client("intake", "customs") as intake: ...
        leader = await system.nats.leader()        # the NatsNode leading the stream
        leader.kill()                              # SIGKILL; .pause()/.resume() SIGSTOP/SIGCONT
        leader.start()                             # the same ports, config and store
        await system.nats.wait_in_sync()           # every node holds the same stream state
        system.services["assessment"].restart()    # services are processes too
        await system.services["assessment"].wait_ready()
        system.verify()                            # `licensing verify` against its databases

Databases: SQLite files under the data dir unless `databases` maps a service to a URL (see
`postgres_databases` for one fresh PostgreSQL database per service, dropped afterwards).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js.errors import NotFoundError

from licensing.nats_server import free_port, nats_server_binary, wait_for_port
from shared.auth import issue_token

SERVICES = ("intake", "assessment", "denials", "reporting")
STREAM = "LICENSING"
POSTGRES_ENV = "LICENSING_TEST_POSTGRES_URL"
# The HS256 secret of the system under test (long enough for any environment setting).
SECRET = "system-test-secret-" + "s" * 40
PR_SET_PDEATHSIG = 1
METRIC = re.compile(r"^(licensing_[a-z_]+)(?:\{([^}]*)\})? (\S+)$")


def _die_with_parent() -> None:
    # If the test runner dies outright, the kernel stops its children too: no orphans.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Process:
    """One child process in a process group of its own, its output in a log file."""

    def __init__(self, name: str, args: Sequence[str], *, env: Mapping[str, str],
                 log_path: Path) -> None:
        self.name = name
        self.args = list(args)
        self.env = dict(env)
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.paused = False
        self.starts = 0

    @property
    def running(self) -> bool:
        """Whether the process is alive (a paused one is)."""
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id (also its process group id), while it runs."""
        return self.proc.pid if self.running and self.proc is not None else None

    def spawn(self) -> None:
        """Start the process (again)."""
        if self.running:
            raise RuntimeError(f"{self.name} is running already")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts + 1} of {self.name} at {time.time():.3f}\n"
                      .encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent)
        self.paused = False
        self.starts += 1

    def _signal(self, sig: signal.Signals) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL the process group and reap it: a crash, no chance to clean up."""
        if self.proc is None:
            return
        self._signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.paused = False

    def pause(self) -> None:
        """SIGSTOP: the process stays, holds its sockets and answers nothing (a partition)."""
        self._signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """SIGCONT after `pause`."""
        self._signal(signal.SIGCONT)
        self.paused = False

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM and wait; SIGKILL whatever is left after `timeout` seconds."""
        if self.proc is None:
            return
        if self.paused:
            self.resume()
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the process's log."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class NatsNode(Process):
    """One nats-server of a cluster: client, route and monitoring ports, a config file."""

    def __init__(self, name: str, directory: Path, *, cluster: str,
                 sync_interval: str = "always") -> None:
        self.directory = directory
        self.port = free_port()
        self.route_port = free_port()
        self.monitor_port = free_port()
        self.cluster = cluster
        self.sync_interval = sync_interval
        self.routes: list[int] = []
        self.config_path = directory / f"{name}.conf"
        super().__init__(name, [str(nats_server_binary()), "-c", str(self.config_path)],
                         env=dict(os.environ), log_path=directory / f"{name}.log")

    @property
    def url(self) -> str:
        """The client URL."""
        return f"nats://127.0.0.1:{self.port}"

    @property
    def store_dir(self) -> Path:
        """Where JetStream keeps this node's files."""
        return self.directory / "store"

    def config(self) -> str:
        """The node's configuration file: JetStream synced on every write, routes to all."""
        lines = [
            f"server_name: {self.name}",
            f"listen: 127.0.0.1:{self.port}",
            f"http: 127.0.0.1:{self.monitor_port}",
            "jetstream {",
            f'  store_dir: "{self.store_dir}"',
            f"  sync_interval: {self.sync_interval}",
            "  max_memory_store: 64MB",
            "  max_file_store: 2GB",
            "}",
        ]
        if self.routes:
            routes = ", ".join(f"nats-route://127.0.0.1:{p}" for p in self.routes)
            lines += ["cluster {", f"  name: {self.cluster}",
                      f"  listen: 127.0.0.1:{self.route_port}", f"  routes: [{routes}]", "}"]
        return "\n".join(lines) + "\n"

    def start(self) -> NatsNode:
        """Start (or restart) the node on its ports and store; returns once it listens."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config())
        self.spawn()
        if not wait_for_port(self.port, timeout=15):
            tail = self.log_tail()
            self.kill()
            raise RuntimeError(f"{self.name} did not listen on {self.port}:\n{tail}")
        return self

    async def jsz(self, **params: str) -> dict[str, Any]:
        """The node's own JetStream view (the monitoring endpoint `/jsz`)."""
        async with httpx.AsyncClient(timeout=2.0) as client:
            response = await client.get(f"http://127.0.0.1:{self.monitor_port}/jsz",
                                        params=params)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def clients(self) -> list[str]:
        """The names of the clients connected to this node (a service's connection is named
        after the service)."""
        async with httpx.AsyncClient(timeout=2.0) as client:
            response = await client.get(f"http://127.0.0.1:{self.monitor_port}/connz",
                                        params={"limit": "1024"})
        response.raise_for_status()
        return [str(c.get("name") or "") for c in response.json().get("connections") or []]

    async def stream_state(self, stream: str = STREAM) -> dict[str, Any] | None:
        """This node's copy of the stream: messages, bytes, first and last sequence."""
        doc = await self.jsz(streams="true")
        for account in doc.get("account_details") or []:
            for detail in account.get("stream_detail") or []:
                if detail.get("name") == stream:
                    state = detail.get("state") or {}
                    return {k: state.get(k) for k in ("messages", "bytes", "first_seq",
                                                      "last_seq", "num_deleted")}
        return None


class NatsCluster:
    """N nats-server nodes routed to each other (one node: no cluster block)."""

    def __init__(self, directory: Path, nodes: int = 3, *, name: str = "licensing-test",
                 sync_interval: str = "always") -> None:
        self.nodes = [NatsNode(f"n{i + 1}", directory / f"n{i + 1}", cluster=name,
                               sync_interval=sync_interval) for i in range(nodes)]
        if nodes > 1:
            for node in self.nodes:
                node.routes = [n.route_port for n in self.nodes]

    @property
    def urls(self) -> str:
        """Every node's client URL, comma-separated (what LICENSING_NATS_URL takes)."""
        return ",".join(n.url for n in self.nodes)

    url = urls  # the name tests.harness.NatsServer gives it, so either serves a fixture

    def node(self, name: str) -> NatsNode:
        """The node of that server name."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def reachable(self) -> list[NatsNode]:
        """The nodes running and not paused."""
        return [n for n in self.nodes if n.running and not n.paused]

    def start(self, timeout: float = 30.0) -> NatsCluster:
        """Start (or restart) every node; returns once the cluster has a JetStream meta leader.

        Synchronous (it takes a second or two), so that sync tests can use it as well."""
        for node in self.nodes:
            if not node.running:
                node.start()
        deadline = time.monotonic() + timeout
        while not self._formed():
            if time.monotonic() > deadline:
                raise AssertionError(f"the JetStream cluster did not form within {timeout:.0f}s"
                                     f":\n{self.nodes[0].log_tail(1500)}")
            time.sleep(0.1)
        return self

    def _formed(self) -> bool:
        if len(self.nodes) == 1:
            return True
        for node in self.reachable():
            try:
                meta = httpx.get(f"http://127.0.0.1:{node.monitor_port}/jsz",
                                 timeout=2.0).json().get("meta_cluster") or {}
            except (httpx.HTTPError, ValueError):
                return False
            if not meta.get("leader"):
                return False
        return True

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[nats.aio.client.Client]:
        """A client connection to the reachable nodes."""
        urls = [n.url for n in self.reachable()]
        nc = await nats.connect(urls, connect_timeout=2, allow_reconnect=False,
                                max_reconnect_attempts=0)
        try:
            yield nc
        finally:
            await nc.close()

    async def stream_info(self, stream: str = STREAM) -> Any:
        """`js.stream_info(stream)` asked of the reachable nodes."""
        async with self.connect() as nc:
            return await nc.jetstream(timeout=3).stream_info(stream)

    async def leader(self, stream: str = STREAM, timeout: float = 30.0) -> NatsNode:
        """The node leading the stream (`js.stream_info(...).cluster.leader`), once there is one."""
        async def find() -> NatsNode | None:
            try:
                info = await self.stream_info(stream)
            except (nats.errors.Error, TimeoutError, OSError, NotFoundError):
                return None
            name = info.cluster.leader if info.cluster else self.nodes[0].name
            node = self.node(name) if name else None
            return node if node is not None and node.running and not node.paused else None

        return await wait_for(find, timeout=timeout, what=f"a leader of stream {stream}")

    async def clients(self) -> dict[str, list[str]]:
        """Each reachable node's connected clients by name."""
        return {n.name: await n.clients() for n in self.reachable()}

    async def stream_states(self, stream: str = STREAM) -> dict[str, dict[str, Any] | None]:
        """Each reachable node's own copy of the stream."""
        return {n.name: await n.stream_state(stream) for n in self.reachable()}

    async def in_sync(self, stream: str = STREAM) -> bool:
        """Whether every node runs and holds the same stream, and the leader sees all current."""
        if len(self.reachable()) != len(self.nodes):
            return False
        states = list((await self.stream_states(stream)).values())
        if states[0] is None or any(s != states[0] for s in states):
            return False
        if len(self.nodes) == 1:
            return True
        info = await self.stream_info(stream)
        replicas = info.cluster.replicas or []
        return len(replicas) == len(self.nodes) - 1 and all(
            r.current and not r.offline and not r.lag for r in replicas)

    async def wait_in_sync(self, stream: str = STREAM, timeout: float = 60.0) -> float:
        """Wait until every node holds the same stream state; the seconds it took."""
        started = time.monotonic()

        async def check() -> bool:
            try:
                return await self.in_sync(stream)
            except (nats.errors.Error, TimeoutError, OSError, httpx.HTTPError):
                return False

        await wait_for(check, timeout=timeout, what="every node to hold the same stream")
        return time.monotonic() - started

    def stop(self) -> None:
        """Stop every node (paused ones are resumed first, stuck ones killed)."""
        for node in self.nodes:
            node.stop(timeout=10)


class ServiceProcess(Process):
    """One service run as `python -m licensing serve NAME` with its settings in the env."""

    def __init__(self, name: str, *, port: int, env: Mapping[str, str], log_path: Path) -> None:
        self.port = port
        super().__init__(name, [sys.executable, "-m", "licensing", "serve", name],
                         env=env, log_path=log_path)

    @property
    def url(self) -> str:
        """The base URL of its HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        """Start the process; `wait_ready` waits for it to answer."""
        self.spawn()
        return self

    def restart(self) -> ServiceProcess:
        """Stop it cleanly (SIGTERM) and start it again."""
        self.stop()
        return self.start()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Until `/ready` answers 200 (database and NATS reachable)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            async def ready() -> bool:
                if not self.running:
                    raise RuntimeError(f"{self.name} exited with {self.proc and self.proc.poll()}"
                                       f":\n{self.log_tail()}")
                try:
                    return (await client.get("/ready")).status_code == 200
                except httpx.HTTPError:
                    return False

            await wait_for(ready, timeout=timeout, what=f"{self.name} to be ready")

    async def metrics(self) -> dict[str, float]:
        """Its `/metrics`, each metric summed over its labels."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10.0) as client:
            text = (await client.get("/metrics")).raise_for_status().text
        return parse_metrics(text)


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text to {metric name: value summed over its labels}."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        match = METRIC.match(line)
        if match:
            values[match.group(1)] = values.get(match.group(1), 0.0) + float(match.group(3))
    return values


@dataclass
class System:
    """A running system: the NATS nodes, the four services, their settings and a data dir."""

    directory: Path
    nats: NatsCluster
    services: dict[str, ServiceProcess]
    env: dict[str, str]
    databases: dict[str, str] = field(default_factory=dict)
    secret: str = SECRET

    @property
    def data_dir(self) -> Path:
        """LICENSING_DATA_DIR of every service."""
        return Path(self.env["LICENSING_DATA_DIR"])

    @property
    def urls(self) -> dict[str, str]:
        """Each service's base URL."""
        return {name: s.url for name, s in self.services.items()}

    def token(self, *roles: str, state: str | None = None, sub: str = "system-test") -> str:
        """A bearer token every service of this system accepts."""
        return issue_token(self.secret, roles=roles, state=state, sub=sub)

    def client(self, service: str, *roles: str, state: str | None = None,
               timeout: float = 10.0) -> httpx.AsyncClient:
        """An HTTP client on one service, with a token for the given roles."""
        headers = {"Authorization": f"Bearer {self.token(*roles, state=state)}"} if roles else {}
        return httpx.AsyncClient(base_url=self.services[service].url, headers=headers,
                                 timeout=timeout)

    def cli(self, *args: str, roles: Sequence[str] = ("assessor",),
            timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run the `licensing` command with this system's settings (and a token)."""
        env = {**self.env, "LICENSING_TOKEN": self.token(*roles)}
        return subprocess.run([sys.executable, "-m", "licensing", *args], env=env,
                              capture_output=True, text=True, timeout=timeout)

    def verify(self) -> subprocess.CompletedProcess[str]:
        """`licensing verify`: every stream's hash chain in every service's database."""
        return self.cli("verify", "--data-dir", str(self.data_dir))

    async def wait_ready(self, timeout: float = 90.0) -> None:
        """Until every service answers `/ready`."""
        await asyncio.gather(*(s.wait_ready(timeout) for s in self.services.values()))

    def logs(self, chars: int = 2000) -> str:
        """The end of every process's log, for a failure message."""
        parts = [f"== {p.name}\n{p.log_tail(chars // 4)}" for p in self.nats.nodes]
        parts += [f"== {p.name}\n{p.log_tail(chars)}" for p in self.services.values()]
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop the services (cleanly, then by force), then the NATS nodes."""
        for service in self.services.values():
            service._signal(signal.SIGTERM)
        for service in self.services.values():
            service.stop(timeout=15)
        self.nats.stop()


def service_env(*, data_dir: Path, nats_url: str, replicas: int, ports: Mapping[str, int],
                databases: Mapping[str, str], settings: Mapping[str, str]) -> dict[str, str]:
    """The environment every service process gets: the settings the services read."""
    # Settings of the runner's own environment must not leak into the system under test.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LICENSING_") or k.startswith("LICENSING_TEST_")}
    env.update({
        "LICENSING_DATA_DIR": str(data_dir),
        "LICENSING_NATS_URL": nats_url,
        "LICENSING_NATS_REPLICAS": str(replicas),
        "LICENSING_JWT_SECRET": SECRET,
    })
    for name, port in ports.items():
        env[f"LICENSING_{name.upper()}_PORT"] = str(port)
        env[f"LICENSING_{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    for name, url in databases.items():
        env[f"LICENSING_{name.upper()}_DB"] = url
    env.update(settings)
    return env


async def start_system(directory: Path, *, nodes: int = 3, replicas: int | None = None,
                       databases: Mapping[str, str] | None = None,
                       settings: Mapping[str, str] | None = None,
                       services: Iterable[str] = SERVICES, sync_interval: str = "always"
                       ) -> System:
    """Start `nodes` NATS nodes and the services as processes; returns once all are ready.

    `replicas` (default: the number of nodes, at most 3) is LICENSING_NATS_REPLICAS;
    `databases` maps a service to a database URL (default SQLite under the data dir);
    `settings` are further environment variables for every service.
    """
    (directory / "data").mkdir(parents=True, exist_ok=True)
    cluster = NatsCluster(directory / "nats", nodes, sync_interval=sync_interval)
    names = list(services)
    ports = {name: free_port() for name in names}
    env = service_env(data_dir=directory / "data", nats_url=cluster.urls,
                      replicas=replicas or min(nodes, 3), ports=ports,
                      databases=databases or {}, settings=settings or {})
    system = System(directory=directory, nats=cluster, env=env, databases=dict(databases or {}),
                    services={name: ServiceProcess(name, port=ports[name], env=env,
                                                   log_path=directory / "logs" / f"{name}.log")
                              for name in names})
    try:
        cluster.start()
        for service in system.services.values():
            service.start()
        await system.wait_ready()
    except BaseException:
        # The logs say why; pytest shows what a failed test wrote to stderr.
        print(system.logs(), file=sys.stderr)
        system.stop()
        raise
    return system


@asynccontextmanager
async def running_system(directory: Path, **options: Any) -> AsyncIterator[System]:
    """`start_system(directory, **options)`, stopped (every process) on the way out."""
    system = await start_system(directory, **options)
    try:
        yield system
    finally:
        system.stop()


def postgres_url() -> str | None:
    """The PostgreSQL server system tests may create databases on (LICENSING_TEST_POSTGRES_URL)."""
    return os.environ.get(POSTGRES_ENV) or None


async def _admin(base_url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(base_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _database_urls(base_url: str, services: Iterable[str]) -> dict[str, str]:
    head = base_url.replace("postgresql+asyncpg://", "postgresql://").rpartition("/")[0]
    return {name: f"{head}/lic_{name[:6]}_{uuid.uuid4().hex[:10]}" for name in services}


@asynccontextmanager
async def postgres_databases(base_url: str, services: Iterable[str] = SERVICES
                             ) -> AsyncIterator[dict[str, str]]:
    """One fresh PostgreSQL database per service on the server of `base_url`, dropped after."""
    urls = _database_urls(base_url, services)
    created: list[str] = []
    try:
        for url in urls.values():
            name = url.rpartition("/")[2]
            await _admin(base_url, f'CREATE DATABASE "{name}"')
            created.append(name)
        yield urls
    finally:
        for name in created:
            with contextlib.suppress(Exception):
                await _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def postgres_databases_sync(base_url: str, services: Iterable[str] = SERVICES
                            ) -> Iterator[dict[str, str]]:
    """`postgres_databases` for sync code (no event loop may be running)."""
    urls = _database_urls(base_url, services)
    created: list[str] = []
    try:
        for url in urls.values():
            name = url.rpartition("/")[2]
            asyncio.run(_admin(base_url, f'CREATE DATABASE "{name}"'))
            created.append(name)
        yield urls
    finally:
        for name in created:
            with contextlib.suppress(Exception):
                asyncio.run(_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def wait_for(check: Any, *, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll the async `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)
