"""Settings of the intake service (env prefix LICENSING_INTAKE_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The intake service's settings."""

    model_config = SettingsConfigDict(env_prefix="LICENSING_INTAKE_", extra="ignore",
                                      populate_by_name=True)

    service: str = "intake"
    # The registers the office maintains (JSON files as the packaged ones); None: packaged.
    certified_recipients: Path | None = Field(
        None, description="register of recipients certified under Directive 2009/43/EC art. 9")
    icp_approvals: Path | None = Field(
        None, description="register of approved internal compliance programmes")
