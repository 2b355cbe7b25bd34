from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from rcm_shared.settings import DEV_JWT_SECRET


class ConsoleSettings(BaseSettings):
    """Environment variables RCM_CONSOLE_*: where each service's API is, and the port."""

    model_config = SettingsConfigDict(env_prefix="RCM_CONSOLE_", extra="ignore")

    env: Literal["development", "test", "production"] = Field(
        default_factory=lambda: os.environ.get("RCM_ENV", "development")  # type: ignore[arg-type]
    )
    host: str = "127.0.0.1"
    port: int = 8020
    eligibility_url: str = "http://127.0.0.1:8001"
    claims_url: str = "http://127.0.0.1:8002"
    remittance_url: str = "http://127.0.0.1:8003"
    denials_url: str = "http://127.0.0.1:8004"
    patients_url: str = "http://127.0.0.1:8005"
    # only to mint a token on the login page in development; never used otherwise
    jwt_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(os.environ.get("RCM_JWT_SECRET", DEV_JWT_SECRET))
    )
    request_timeout_seconds: float = 30.0

    @property
    def can_mint(self) -> bool:
        return self.env in ("development", "test")
