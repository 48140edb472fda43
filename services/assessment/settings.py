"""Settings of the assessment service (env prefix LICENSING_ASSESSMENT_)."""

from decimal import Decimal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings
from shared.topology import Topology


class Settings(ServiceSettings):
    """The assessment service's settings."""

    model_config = SettingsConfigDict(env_prefix="LICENSING_ASSESSMENT_", extra="ignore",
                                      populate_by_name=True)

    service: str = "assessment"
    # Where the denials registry answers: LICENSING_DENIALS_URL, else this host on
    # LICENSING_DENIALS_PORT (shared.topology, as `licensing up` starts it).
    denials_url: str = Field(
        default_factory=lambda: Topology().url("denials"),
        validation_alias=AliasChoices("denials_url", "LICENSING_DENIALS_URL"),
    )
    # A bearer token for the denials match API; without one, a short-lived token is minted
    # from the HS256 secret (one machine), so production must set it or share the secret.
    denials_token: str | None = Field(
        None, validation_alias=AliasChoices("denials_token", "LICENSING_ASSESSMENT_DENIALS_TOKEN")
    )
    denials_timeout_seconds: float = Field(5.0, gt=0, le=120)
    screening_retry_initial_seconds: float = Field(0.5, gt=0, le=600)
    screening_retry_max_seconds: float = Field(30.0, gt=0, le=3600)
    screening_poll_seconds: float = Field(2.0, gt=0, le=600)
    # Years of validity per "<regime>.<licence_type>" or "<licence_type>"; the most specific
    # wins (domain.licence.validity_years).
    licence_validity_years: dict[str, int] = Field(
        default_factory=lambda: {"individual": 2, "global": 3})
    # Policy settings that override the reference data's fast-track values when given.
    fast_track_threshold_eur: Decimal | None = Field(None, ge=0)
    fast_track_days: int | None = Field(None, ge=1, le=365)
