from typing import Literal

from pydantic import Field

from rcm_shared.settings import ServiceSettings, service_config


class EligibilitySettings(ServiceSettings):
    """Environment variables RCM_ELIGIBILITY_*, e.g. RCM_ELIGIBILITY_PAYER_URL."""

    model_config = service_config("eligibility")

    service_name: str = "eligibility"
    port: int = 8001
    database_url: str = (
        "postgresql+asyncpg://rcm_eligibility:rcm_eligibility_dev@127.0.0.1:55432/rcm_eligibility"
    )

    # Where 270s go: a clearinghouse or payer endpoint that answers each POSTed 270 with
    # a 271 (as the sandbox does). Unset: checks fail with a retryable error.
    payer_url: str | None = None
    payer_timeout_seconds: float = 15.0
    payer_attempts: int = Field(default=3, ge=1, le=10)
    # A repeated check for the same patient, payer, date and service types inside this
    # window returns the stored answer (force=true asks again).
    cache_ttl_seconds: int = 12 * 3600
    # Payers throttle and block NPIs that flood them: batch checks per payer at most this many
    # at once.
    batch_concurrency_per_payer: int = Field(default=4, ge=1, le=64)
    batch_poll_seconds: float = 1.0

    sender_id: str = Field(default="RCMBACKBONE", max_length=15)
    receiver_id: str = Field(default="CLEARINGHOUSE", max_length=15)
    usage: Literal["P", "T"] = "T"
