from typing import Literal

from pydantic import Field

from rcm_shared.settings import ServiceSettings, service_config


class RemittanceSettings(ServiceSettings):
    """Environment variables RCM_REMITTANCE_*, e.g. RCM_REMITTANCE_DATABASE_URL."""

    model_config = service_config("remittance")

    service_name: str = "remittance"
    port: int = 8003
    database_url: str = (
        "postgresql+asyncpg://rcm_remittance:rcm_remittance_dev@127.0.0.1:55432/rcm_remittance"
    )

    # An 835 whose amounts do not balance: "reject" answers 422 and posts nothing;
    # "quarantine" keeps it aside (202) for a person to look at. Either way the raw file is
    # kept and nothing of it is posted.
    unbalanced_policy: Literal["reject", "quarantine"] = "reject"
    max_file_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    # Claim payments written (and their events staged) per round trip while posting.
    posting_batch_size: int = Field(default=2000, ge=1, le=10_000)
    # The clearinghouse mailbox: <inbound_dir>/<tenant>/<file>.
    inbound_dir: str = "var/clearinghouse/remittance"
    inbound_poll_seconds: float = 2.0
    # A file stored but not posted after this long lost its poster (a crash): post it again.
    recovery_after_seconds: float = 300.0
