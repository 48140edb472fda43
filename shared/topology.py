"""Where every part of the system listens: the one place for service names, ports and URLs.

`licensing up` starts each service on its port, and every client (the command line, the demo,
a service calling another) finds it at its URL, both read from the same settings:
`LICENSING_<SERVICE>_PORT` moves a service, `LICENSING_<SERVICE>_URL` points at one that runs
elsewhere, `LICENSING_NATS_PORT` / `LICENSING_NATS_URL` do the same for NATS.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("intake", "assessment", "denials", "reporting")
DEFAULT_PORTS = {"intake": 8001, "assessment": 8002, "denials": 8003, "reporting": 8004}
NATS_DEFAULT_PORT = 4222
NATS_STREAM = "LICENSING"


class Topology(BaseSettings):
    """The ports and URLs of one installation, from the environment (prefix LICENSING_)."""

    model_config = SettingsConfigDict(env_prefix="LICENSING_", extra="ignore",
                                      populate_by_name=True)

    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    nats_port: int = Field(NATS_DEFAULT_PORT, ge=1, le=65535)
    nats_url: str | None = None
    intake_port: int = Field(DEFAULT_PORTS["intake"], ge=1, le=65535)
    assessment_port: int = Field(DEFAULT_PORTS["assessment"], ge=1, le=65535)
    denials_port: int = Field(DEFAULT_PORTS["denials"], ge=1, le=65535)
    reporting_port: int = Field(DEFAULT_PORTS["reporting"], ge=1, le=65535)
    intake_url: str | None = None
    assessment_url: str | None = None
    denials_url: str | None = None
    reporting_url: str | None = None

    def port(self, service: str) -> int:
        """The port a service listens on."""
        return int(getattr(self, f"{_known(service)}_port"))

    def url(self, service: str) -> str:
        """Where a service answers: its configured URL, else this host on its port."""
        configured = getattr(self, f"{_known(service)}_url")
        return str(configured).rstrip("/") if configured else (
            f"http://{self.host}:{self.port(service)}")

    def nats(self) -> str:
        """The NATS URL(s): configured, else this host on the NATS port."""
        return self.nats_url or f"nats://{self.host}:{self.nats_port}"

    @staticmethod
    def setting(service: str, what: str = "port") -> str:
        """The environment variable that moves a service (`LICENSING_INTAKE_PORT`)."""
        return f"LICENSING_{_known(service).upper()}_{what.upper()}"


def _known(service: str) -> str:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; the services are {', '.join(SERVICES)}")
    return service
