from rcm_shared.settings import ServiceSettings, service_config


class RemittanceSettings(ServiceSettings):
    """Environment variables RCM_REMITTANCE_*, e.g. RCM_REMITTANCE_DATABASE_URL."""

    model_config = service_config("remittance")

    service_name: str = "remittance"
    port: int = 8003
    database_url: str = (
        "postgresql+asyncpg://rcm_remittance:rcm_remittance_dev@127.0.0.1:55432/rcm_remittance"
    )
