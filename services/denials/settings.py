"""Settings of the denials service (env prefix LICENSING_DENIALS_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The denials service's settings."""

    model_config = SettingsConfigDict(env_prefix="LICENSING_DENIALS_", extra="ignore",
                                      populate_by_name=True)

    service: str = "denials"
