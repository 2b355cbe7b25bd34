from rcm_shared.settings import ServiceSettings, service_config


class EligibilitySettings(ServiceSettings):
    """Environment variables RCM_ELIGIBILITY_*, e.g. RCM_ELIGIBILITY_DATABASE_URL."""

    model_config = service_config("eligibility")

    service_name: str = "eligibility"
    port: int = 8001
    database_url: str = (
        "postgresql+asyncpg://rcm_eligibility:rcm_eligibility_dev@127.0.0.1:55432/rcm_eligibility"
    )
