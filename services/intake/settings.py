"""Settings of the intake service (env prefix LICENSING_INTAKE_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The intake service's settings."""

    model_config = SettingsConfigDict(env_prefix="LICENSING_INTAKE_", extra="ignore",
                                      populate_by_name=True)

    service: str = "intake"
