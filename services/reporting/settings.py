"""Settings of the reporting service (env prefix LICENSING_REPORTING_)."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The reporting service's settings."""

    model_config = SettingsConfigDict(env_prefix="LICENSING_REPORTING_", extra="ignore",
                                      populate_by_name=True)

    service: str = "reporting"
    # The published series of earlier years (default: the CSV packaged with the service).
    history_csv: Path | None = None
    # The EU's consultations per year, with their source (default: the packaged CSV).
    eu_consultations_csv: Path | None = None
