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
    # When set, a token must carry this `iss`; one from another issuer is refused.
    jwt_issuer: str | None = Field(
        None, validation_alias=AliasChoices("jwt_issuer", "LICENSING_JWT_ISSUER")
    )
    # Personal data (shared.personal): the key store's own database (LICENSING_<SVC>_KEYS_DB;
    # default SQLite `<data_dir>/<service>.keys.db`), the installation's subject pepper, and
    # the retention period of each record kind in years from the end of the calendar year of
    # its last event (LICENSING_RETENTION_YEARS, JSON).
    keys_db: str | None = None
    subject_pepper: str | None = Field(
        None, validation_alias=AliasChoices("subject_pepper", "LICENSING_SUBJECT_PEPPER")
    )
    retention_years: dict[str, int] = Field(
        default_factory=lambda: {"licence": 5, "application": 5, "denial": 5},
        validation_alias=AliasChoices("retention_years", "LICENSING_RETENTION_YEARS"),
    )
    max_body_bytes: int = 1024 * 1024
    # Seconds a SQLite write waits for a lock another holds before the request is answered 503
    # (LICENSING_<SVC>_DB_BUSY_TIMEOUT).
    db_busy_timeout: float = 30.0
    # Seconds under which SQLite's commits, on average lately, run in the event loop's thread
    # rather than a worker thread (LICENSING_<SVC>_DB_INLINE_COMMIT_LIMIT; 0: always a worker
    # thread, for a disk whose fsync is slow). See shared.db.inline_sqlite.
    db_inline_commit_limit: float = Field(default=0.005, ge=0)
    relay_batch: int = 256
    consumer_batch: int = 256

    @model_validator(mode="after")
    def _check(self) -> ServiceSettings:
        if self.environment != "development" and not (self.jwks_url or self.jwt_secret):
            raise ValueError("outside development a JWT secret or a JWKS URL must be configured")
        if self.environment != "development" and self.jwt_secret and len(self.jwt_secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters outside development")
        if self.environment != "development" and len(self.subject_pepper or "") < 32:
            raise ValueError("outside development LICENSING_SUBJECT_PEPPER (at least 32 "
                             "characters, the same in every service) must be configured")
        if self.keys_db and async_db_url(self.keys_db) == self.database_url:
            raise ValueError("the key store needs its own database, not the service's: a "
                             "restored backup of the service's database must stay erased")
        return self

    @property
    def database_url(self) -> str:
        """The async SQLAlchemy URL: the configured one, or SQLite under the data dir."""
        if self.db:
            return async_db_url(self.db)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service}.db').resolve()}"

    @property
    def keys_database_url(self) -> str:
        """The key store's async SQLAlchemy URL: configured, or SQLite beside the database."""
        if self.keys_db:
            return async_db_url(self.keys_db)
        return (f"sqlite+aiosqlite:///"
                f"{(self.data_dir / f'{self.service}.keys.db').resolve()}")

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
