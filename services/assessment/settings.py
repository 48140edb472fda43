"""Settings of the assessment service (env prefix LICENSING_ASSESSMENT_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The assessment service's settings."""

    model_config = SettingsConfigDict(env_prefix="LICENSING_ASSESSMENT_", extra="ignore",
                                      populate_by_name=True)

    service: str = "assessment"
