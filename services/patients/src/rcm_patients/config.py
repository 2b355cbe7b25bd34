from rcm_shared.settings import ServiceSettings, service_config


class PatientsSettings(ServiceSettings):
    """Environment variables RCM_PATIENTS_*, e.g. RCM_PATIENTS_DATABASE_URL."""

    model_config = service_config("patients")

    service_name: str = "patients"
    port: int = 8005
    database_url: str = (
        "postgresql+asyncpg://rcm_patients:rcm_patients_dev@127.0.0.1:55432/rcm_patients"
    )
    # How often the statement worker looks for clinics whose cycle has come round; 0 turns
    # it off (cycles then run only on POST /v1/statement-runs).
    statement_poll_seconds: float = 3600.0
