"""What the command line reads from the environment: the topology, plus a token and a key.

Every command resolves services, NATS and the data dir through `CliSettings`, a
`shared.topology.Topology`, so it finds each service where `licensing up` started it:
`LICENSING_<SERVICE>_PORT` and `LICENSING_<SERVICE>_URL` alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from shared.topology import NATS_STREAM, Topology


class CliSettings(Topology):
    """The topology, and the bearer token or signing key a command may use."""

    token: str | None = None
    jwt_secret: str | None = None
    nats_stream: str = NATS_STREAM
    # What `licensing serve` runs uvicorn with: the C event loop and HTTP parser by default;
    # `asyncio` and `h11` are uvicorn's pure-Python ones (for comparing, see bench/ab.py).
    loop: Literal["uvloop", "asyncio"] = "uvloop"
    http: Literal["httptools", "h11"] = "httptools"

    def key_file(self, data_dir: Path | None = None) -> Path:
        """Where the HS256 key of a data dir lies (the given one, else the configured one)."""
        return (data_dir if data_dir is not None else self.data_dir) / "jwt.key"

    def signing_secret(self, data_dir: Path | None = None) -> str | None:
        """LICENSING_JWT_SECRET, else the data dir's key when there is one (never creating it)."""
        if self.jwt_secret:
            return self.jwt_secret
        key_file = self.key_file(data_dir)
        return key_file.read_text().strip() if key_file.is_file() else None


def cli_settings() -> CliSettings:
    """The settings as the environment gives them now."""
    return CliSettings()
