"""The NATS side of `licensing status`: each server, and the event-log stream's leader and
replicas as JetStream reports them."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.js.api import PeerInfo

from licensing.settings import cli_settings
from shared.bus import server_urls


@dataclass
class ServerState:
    """One NATS server as seen from here."""

    url: str
    reachable: bool = False
    name: str | None = None
    version: str | None = None
    cluster: str | None = None
    # The stream's leader as this server reports it (None: it gave no answer).
    leader: str | None = None
    error: str | None = None


@dataclass
class StreamState:
    """The event-log stream: where it leads from and how its replicas keep up."""

    name: str
    leader: str | None = None
    replicas: list[PeerInfo] = field(default_factory=list)
    configured_replicas: int | None = None
    messages: int | None = None
    last_seq: int | None = None

    @property
    def healthy(self) -> bool:
        """A leader, and every replica online and current."""
        return self.leader is not None and all(p.current and not p.offline
                                               for p in self.replicas)


def nats_urls() -> list[str]:
    """The servers named by LICENSING_NATS_URL (comma-separated), else this host on
    LICENSING_NATS_PORT: the topology `licensing up` uses."""
    return server_urls(cli_settings().nats())


def stream_name() -> str:
    """LICENSING_NATS_STREAM, or the default stream."""
    return cli_settings().nats_stream


async def probe(url: str, stream: str, *, timeout: float = 3.0
                ) -> tuple[ServerState, StreamState | None]:
    """Connect to one server alone and ask it about the stream."""
    state = ServerState(url)
    errors: list[Exception] = []

    async def note(exc: Exception) -> None:
        # Kept to say why, instead of the client's default callback printing a traceback.
        errors.append(exc)

    try:
        # One attempt (nats-py counts 0 as "no limit").
        async with asyncio.timeout(timeout * 2):
            nc = await nats.connect(servers=[url], allow_reconnect=False,
                                    connect_timeout=timeout, max_reconnect_attempts=1,
                                    reconnect_time_wait=0.1, error_cb=note)
    except Exception as exc:  # noqa: BLE001 - an unreachable server is a finding, not a crash
        state.error = _describe(errors[0] if errors else exc)
        return state, None
    try:
        state.reachable = True
        # nats-py keeps the server's INFO only in a private field; it has no public one.
        info: dict[str, Any] = getattr(nc, "_server_info", {}) or {}
        state.name = info.get("server_name")
        state.version = info.get("version")
        state.cluster = info.get("cluster")
        try:
            si = await nc.jetstream(timeout=timeout).stream_info(stream)
        except Exception as exc:  # noqa: BLE001 - as above: reported
            state.error = f"stream {stream}: {_describe(exc)}"
            return state, None
        cluster = si.cluster
        found = StreamState(
            stream,
            leader=cluster.leader if cluster else None,
            replicas=list(cluster.replicas or []) if cluster else [],
            configured_replicas=si.config.num_replicas,
            messages=si.state.messages, last_seq=si.state.last_seq)
        state.leader = found.leader
        return state, found
    finally:
        with contextlib.suppress(Exception):
            await nc.close()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def gather(urls: list[str], stream: str, *, timeout: float = 3.0
                 ) -> tuple[list[ServerState], StreamState | None]:
    """Every server's state, and the stream as the first server that answered tells it."""
    found = await asyncio.gather(*(probe(url, stream, timeout=timeout) for url in urls))
    servers = [server for server, _ in found]
    stream_state = next((s for _, s in found if s is not None), None)
    return servers, stream_state


def render(servers: list[ServerState], stream: StreamState | None, name: str) -> list[str]:
    """The lines `licensing status` prints for the cluster."""
    lines = [f"{'nats server':<30} {'reachable':<9} {'name':<12} {'version':<9} leader"]
    for s in servers:
        lines.append(f"{s.url:<30} {'yes' if s.reachable else 'NO':<9} {s.name or '-':<12} "
                     f"{s.version or '-':<9} {s.leader or '-'}"
                     + (f"  ({s.error})" if s.error else ""))
    if stream is None:
        lines.append(f"stream {name}: no server answered")
        return lines
    lines.append(f"stream {name}: {stream.messages} messages (last {stream.last_seq}), "
                 f"{stream.configured_replicas} replica(s), leader {stream.leader or 'NONE'}")
    for peer in stream.replicas:
        if peer.offline:
            how = "OFFLINE"
        else:
            # Not current: behind, or not heard from (a node that died shows so, not offline).
            how = "current" if peer.current else "NOT CURRENT"
            how += f", lag {peer.lag or 0}"
            if peer.active is not None:
                # JetStream gives the time since it last heard from the peer in nanoseconds.
                how += f", seen {peer.active / 1e9:.1f}s ago"
        lines.append(f"  replica {peer.name}: {how}")
    return lines


def cluster_status(urls: list[str] | None = None, stream: str | None = None,
                   *, timeout: float = 3.0) -> int:
    """Print the cluster's state; 1 when a server is unreachable, or the stream has no leader
    or a replica that is not current."""
    name = stream or stream_name()
    servers, found = asyncio.run(gather(urls or nats_urls(), name, timeout=timeout))
    print()
    for line in render(servers, found, name):
        print(line)
    ok = all(s.reachable for s in servers) and found is not None and found.healthy
    return 0 if ok else 1
