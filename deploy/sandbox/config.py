"""The sandbox's settings, from RCM_SANDBOX_* environment variables (deploy/stack.py sets
them for the local stack; see README.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

HERE = Path(__file__).resolve().parent
STATE = HERE.parent.parent / ".cache" / "stack"


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RCM_SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8010
    data_dir: Path = STATE / "sandbox"  # the sandbox's own state (JSON)
    payers_file: Path = HERE / "payers.json"
    # The clearinghouse mailboxes, one folder per tenant under each: 837s are picked up
    # from outbound, 999s/277CAs are dropped in inbound, 835s in remittance.
    outbound_dir: Path = STATE / "clearinghouse" / "outbound"
    inbound_dir: Path = STATE / "clearinghouse" / "inbound"
    remittance_dir: Path = STATE / "clearinghouse" / "remittance"
    # POST each 835 to the remittance service instead of the folder (raw body, bearer token
    # minted for the 835's tenant with RCM_JWT_SECRET); empty: use the folder.
    remittance_url: str = ""
    mailbox_poll_seconds: float = 2.0  # how often the outbound folder is read (0: never)
    remit_every_seconds: float = 60.0  # how often 835s go out on their own (0: on demand)
    today: date | None = None  # the payer's calendar (timely filing, 835 dates); None: today
