"""Settings common to every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.topology import DEFAULT_PORTS, NATS_DEFAULT_PORT, NATS_STREAM


def async_db_url(url: str) -> str:
    """Normalise a database URL to the async driver SQLAlchemy needs."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+psycopg2://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


class ServiceSettings(BaseSettings):
    """What every service needs: where its data is, how to reach NATS, how to check tokens."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service: str = "service"
    environment: str = Field(
        "development", validation_alias=AliasChoices("environment", "LICENSING_ENVIRONMENT")
    )
    data_dir: Path = Field(
        Path("var"), validation_alias=AliasChoices("data_dir", "LICENSING_DATA_DIR")
    )
    db: str | None = None
    port: int | None = None
    nats_url: str = Field(
        f"nats://127.0.0.1:{NATS_DEFAULT_PORT}",
        validation_alias=AliasChoices("nats_url", "LICENSING_NATS_URL")
    )
    nats_stream: str = Field(
        NATS_STREAM, validation_alias=AliasChoices("nats_stream", "LICENSING_NATS_STREAM")
    )
    nats_replicas: int = Field(
        1, ge=1, le=5, validation_alias=AliasChoices("nats_replicas", "LICENSING_NATS_REPLICAS")
    )
    jwt_secret: str | None = Field(
        None, validation_alias=AliasChoices("jwt_secret", "LICENSING_JWT_SECRET")
    )
    jwks_url: str | None = Field(
        None, validation_alias=AliasChoices("jwks_url", "LICENSING_JWKS_URL")
    )
    jwt_audience: str | None = Field(
        None, validation_alias=AliasChoices("jwt_audience", "LICENSING_JWT_AUDIENCE")
    )
    max_body_bytes: int = 1024 * 1024
    relay_batch: int = 256
    consumer_batch: int = 256

    @model_validator(mode="after")
    def _check(self) -> ServiceSettings:
        if self.environment != "development" and not (self.jwks_url or self.jwt_secret):
            raise ValueError("outside development a JWT secret or a JWKS URL must be configured")
        if self.environment != "development" and self.jwt_secret and len(self.jwt_secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters outside development")
        return self

    @property
    def database_url(self) -> str:
        """The async SQLAlchemy URL: the configured one, or SQLite under the data dir."""
        if self.db:
            return async_db_url(self.db)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service}.db').resolve()}"

    @property
    def http_port(self) -> int:
        """The port this service listens on."""
        return self.port or DEFAULT_PORTS.get(self.service, 8000)

    def signing_secret(self) -> str | None:
        """The HS256 secret: configured, or the key file `licensing up` generated."""
        if self.jwt_secret:
            return self.jwt_secret
        key_file = self.data_dir / "jwt.key"
        if key_file.exists():
            return key_file.read_text().strip()
        return None
