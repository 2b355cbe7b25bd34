from typing import Literal

from pydantic import Field

from rcm_shared.settings import ServiceSettings, service_config


class ClaimsSettings(ServiceSettings):
    """Environment variables RCM_CLAIMS_*, e.g. RCM_CLAIMS_DATABASE_URL."""

    model_config = service_config("claims")

    service_name: str = "claims"
    port: int = 8002
    database_url: str = "postgresql+asyncpg://rcm_claims:rcm_claims_dev@127.0.0.1:55432/rcm_claims"

    # Clearinghouse connection. "file": an outbound mailbox folder (as a mounted SFTP
    # mailbox would be); "http": POST each 837 to clearinghouse_url.
    connector: Literal["file", "http"] = "file"
    outbound_dir: str = "var/clearinghouse/outbound"
    inbound_dir: str = "var/clearinghouse/inbound"  # 999s and 277CAs, one folder per tenant
    clearinghouse_url: str | None = None
    clearinghouse_timeout_seconds: float = 30.0
    delivery_max_attempts: int = 8
    delivery_poll_seconds: float = 1.0
    inbound_poll_seconds: float = 2.0
    # Claim status (276/277): the clearinghouse's real-time endpoint, and how often the
    # worker looks for claims past their payer's days without an 835 (0: never; the API
    # still asks on demand). An answered claim is asked again after status_recheck_days.
    status_url: str | None = None
    status_timeout_seconds: float = 30.0
    status_poll_seconds: float = 3600.0
    status_recheck_days: int = 7

    # Interchange identities (ISA06/ISA08, 1000A/1000B)
    sender_id: str = Field(default="RCMBACKBONE", max_length=15)
    receiver_id: str = Field(default="CLEARINGHOUSE", max_length=15)
    submitter_name: str = "RCM BACKBONE"
    submitter_contact_name: str = "BILLING SUPPORT"
    submitter_contact_phone: str = "5555550100"
    receiver_name: str = "CLEARINGHOUSE"
    usage: Literal["P", "T"] = "T"
    # element, component (ISA16), repetition (ISA11) and segment separators, in that order
    x12_separators: str = Field(default="*:^~", min_length=4, max_length=4)
