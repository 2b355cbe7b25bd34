from rcm_shared.settings import ServiceSettings, service_config


class DenialsSettings(ServiceSettings):
    """Environment variables RCM_DENIALS_*, e.g. RCM_DENIALS_DATABASE_URL."""

    model_config = service_config("denials")

    service_name: str = "denials"
    port: int = 8004
    database_url: str = (
        "postgresql+asyncpg://rcm_denials:rcm_denials_dev@127.0.0.1:55432/rcm_denials"
    )
    # Adjudications of one partition batch in one transaction (see rcm_shared consumer's
    # batch mode); false: one event per transaction, like the other services.
    consumer_batch: bool = True
