"""Settings base: one env prefix per service (RCM_CLAIMS_, ...), a few shared RCM_ values."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-outside-dev"  # noqa: S105 - refused outside development


def _shared_env(name: str, default: str) -> str:
    return os.environ.get(name, default)


class ServiceSettings(BaseSettings):
    """Subclasses set `model_config = service_config("claims")` and their own defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    env: Literal["development", "test", "production"] = Field(
        default_factory=lambda: _shared_env("RCM_ENV", "development")  # type: ignore[arg-type]
    )
    host: str = "127.0.0.1"
    port: int = 8000
    role: Literal["all", "api", "worker"] = "all"
    database_url: str = "postgresql+asyncpg://localhost/rcm"
    db_pool_size: int = 10
    kafka_bootstrap: str = "127.0.0.1:59092"
    # Prepended to every topic and consumer group: lets a test run use its own topics
    # beside a running stack without either seeing the other's events.
    kafka_prefix: str = ""
    consumer_group: str = ""
    consumer_max_attempts: int = 5
    consumer_backoff_seconds: float = 0.5
    relay_batch_size: int = 500
    relay_poll_seconds: float = 1.0
    jwt_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(_shared_env("RCM_JWT_SECRET", DEV_JWT_SECRET))
    )
    jwt_issuer: str = Field(default_factory=lambda: _shared_env("RCM_JWT_ISSUER", "rcm"))
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> ServiceSettings:
        secret = self.jwt_secret.get_secret_value()
        if self.env == "production" and (secret == DEV_JWT_SECRET or len(secret) < 32):
            raise ValueError("RCM_JWT_SECRET must be set, 32+ bytes, outside development")
        return self

    @property
    def group_id(self) -> str:
        return self.kafka_prefix + (self.consumer_group or self.service_name)

    def topic(self, name: str) -> str:
        return self.kafka_prefix + name


def service_config(name: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=f"RCM_{name.upper()}_", extra="ignore")
