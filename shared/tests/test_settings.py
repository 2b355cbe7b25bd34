"""Settings: the dev JWT secret is refused in production; prefixes apply to Kafka names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rcm_shared.settings import DEV_JWT_SECRET, ServiceSettings, service_config


class ClaimsLikeSettings(ServiceSettings):
    model_config = service_config("claims")

    service_name: str = "claims"
    port: int = 8002


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "RCM_ENV",
        "RCM_JWT_SECRET",
        "RCM_JWT_ISSUER",
        "RCM_CLAIMS_PORT",
        "RCM_CLAIMS_ENV",
        "RCM_CLAIMS_JWT_SECRET",
        "ENV",
        "JWT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("secret", [DEV_JWT_SECRET, "x" * 31])
def test_production_refuses_default_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="RCM_JWT_SECRET"):
        ServiceSettings(env="production", jwt_secret=secret)


def test_production_refuses_default_secret_from_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RCM_ENV", "production")
    with pytest.raises(ValidationError):
        ClaimsLikeSettings()


def test_production_accepts_long_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCM_ENV", "production")
    monkeypatch.setenv("RCM_JWT_SECRET", "k" * 40)
    settings = ClaimsLikeSettings()
    assert settings.env == "production"
    assert settings.jwt_secret.get_secret_value() == "k" * 40


def test_development_accepts_default_secret() -> None:
    settings = ServiceSettings()
    assert settings.env == "development"
    assert settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET


def test_prefix_applies_to_group_and_topics() -> None:
    settings = ClaimsLikeSettings(kafka_prefix="t1.")
    assert settings.group_id == "t1.claims"
    assert settings.topic("rcm.claims") == "t1.rcm.claims"
    assert ClaimsLikeSettings(kafka_prefix="t1.", consumer_group="g").group_id == "t1.g"
    assert ClaimsLikeSettings().topic("rcm.claims") == "rcm.claims"


def test_service_prefix_reads_its_own_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ClaimsLikeSettings().port == 8002
    monkeypatch.setenv("RCM_CLAIMS_PORT", "9123")
    monkeypatch.setenv("RCM_DENIALS_PORT", "9999")
    assert ClaimsLikeSettings().port == 9123
