from rcm_shared.settings import ServiceSettings, service_config


class ClaimsSettings(ServiceSettings):
    """Environment variables RCM_CLAIMS_*, e.g. RCM_CLAIMS_DATABASE_URL."""

    model_config = service_config("claims")

    service_name: str = "claims"
    port: int = 8002
    database_url: str = "postgresql+asyncpg://rcm_claims:rcm_claims_dev@127.0.0.1:55432/rcm_claims"
