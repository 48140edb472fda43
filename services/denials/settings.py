"""Settings of the denials service (env prefix LICENSING_DENIALS_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The denials service's settings."""

    model_config = SettingsConfigDict(env_prefix="LICENSING_DENIALS_", extra="ignore",
                                      populate_by_name=True)

    service: str = "denials"
    # Deadlines are policy: None takes the reference data's value (21 days, 3 years).
    consultation_days: int | None = None
    denial_validity_years: int | None = None
    # How often the expiry sweep records DenialExpired for denials past their validity.
    expiry_interval_seconds: float = 3600.0
    # The largest sanctions list file `POST /v1/sanctions/lists` takes (the EU's is ~25 MB).
    sanctions_list_max_bytes: int = 64 * 1024 * 1024
