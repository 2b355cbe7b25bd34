"""HTTP models. The claim body itself is the domain's ClaimData."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rcm_claims.domain.claim import ClaimData
from rcm_shared.events.denials import Corrections
from rcm_shared.events.reference import Address


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClinicIn(_In):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[^*:~^|>]+$")
    npi: str = Field(pattern=r"^[0-9]{10}$", description="10-digit NPI with a valid check digit")
    tax_id: str = Field(pattern=r"^[0-9]{9}$", description="EIN/TIN, 9 digits, no dash")
    taxonomy_code: str = Field(pattern=r"^[0-9A-Z]{9}X$")
    address: Address
    pay_to_address: Address | None = Field(
        default=None, description="where the payer sends payment, when not the address above"
    )


class ClinicOut(ClinicIn):
    id: str
    version: int


class ClinicPage(BaseModel):
    items: list[ClinicOut]
    next_cursor: str | None


class ProviderIn(_In):
    npi: str = Field(pattern=r"^[0-9]{10}$")
    first_name: str = Field(min_length=1, max_length=35, pattern=r"^[^*:~^|>]+$")
    last_name: str = Field(min_length=1, max_length=60, pattern=r"^[^*:~^|>]+$")
    taxonomy_code: str | None = Field(default=None, pattern=r"^[0-9A-Z]{9}X$")


class ProviderOut(ProviderIn):
    id: str
    version: int


class ProviderPage(BaseModel):
    items: list[ProviderOut]
    next_cursor: str | None


class PayerIn(_In):
    payer_id: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9]+$")
    name: str = Field(min_length=1, max_length=60, pattern=r"^[^*:~^|>]+$")
    # SBR09: CI commercial, MB Medicare Part B, MC Medicaid, BL Blue Cross, HM HMO, ...
    claim_filing_indicator: Literal[
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "AM",
        "BL",
        "CH",
        "CI",
        "DS",
        "FI",
        "HM",
        "LM",
        "MA",
        "MB",
        "MC",
        "OF",
        "TV",
        "VA",
        "WC",
        "ZZ",
    ] = "CI"
    timely_filing_days: int = Field(default=365, ge=1, le=3650)
    appeal_window_days: int = Field(default=90, ge=1, le=3650)
    prior_auth_procedures: list[str] = Field(default_factory=list, max_length=2000)
    claim_status_after_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="days after submission without an 835 before a 276 asks about the claim",
    )


class PayerOut(PayerIn):
    version: int


class PayerPage(BaseModel):
    items: list[PayerOut]
    next_cursor: str | None


class EditOut(BaseModel):
    code: str
    severity: str
    message: str
    path: str


class ClaimOut(BaseModel):
    id: str
    status: str
    patient_control_number: str
    clinic_id: str
    payer_id: str
    frequency_code: str
    original_claim_id: str | None
    replaced_by_claim_id: str | None
    payer_responsibility: str = Field(description="P primary, S secondary, T tertiary")
    prior_claim_id: str | None = Field(description="the prior payer's claim (COB chain)")
    next_claim_id: str | None = Field(description="the next payer's claim (COB chain)")
    payer_claim_control_number: str | None
    total_charge: Decimal
    paid_amount: Decimal
    patient_responsibility: Decimal
    service_date_from: date
    service_date_to: date
    edits: list[EditOut]
    rejection_reasons: list[str]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    version: int
    claim: ClaimData


class ClaimPage(BaseModel):
    items: list[ClaimOut]
    next_cursor: str | None


class BatchIn(_In):
    # Raw items: each one is validated on its own, so one bad claim does not sink the rest.
    claims: list[dict[str, Any]] = Field(min_length=1, max_length=5000)


class CleanBatchIn(BatchIn):
    """A batch whose claims are all valid, validated in one pass (the usual case)."""

    claims: list[ClaimData] = Field(min_length=1, max_length=5000)  # type: ignore[assignment]


class ClaimSummary(BaseModel):
    id: str
    status: str
    patient_control_number: str
    edits: list[EditOut]


class BatchResult(BaseModel):
    index: int
    status: int
    claim: ClaimSummary | None = None
    error: dict[str, Any] | None = None


class BatchOut(BaseModel):
    created: int
    failed: int
    results: list[BatchResult]


class CorrectionIn(Corrections):
    """What to change in the corrected (frequency 7) claim."""


class VoidIn(_In):
    reason: str = Field(min_length=1, max_length=200)


class CloseIn(_In):
    reason: str = Field(
        min_length=1,
        max_length=200,
        description="why nothing more is expected: paid in full, patient balance, write-off",
    )


class HistoryEntry(BaseModel):
    at: datetime
    from_status: str | None
    to_status: str
    event_type: str
    actor: str
    detail: dict[str, Any]


class SubmissionIn(_In):
    claim_ids: list[str] | None = Field(default=None, min_length=1, max_length=5000)
    clinic_id: str | None = None
    payer_id: str | None = None
    limit: int = Field(default=5000, ge=1, le=5000)


class SubmissionOut(BaseModel):
    id: str
    delivery_status: str
    connector: str
    interchange_control_number: str
    group_control_number: str
    claim_count: int
    total_charge: Decimal
    claim_ids: list[str]
    skipped: list[dict[str, str]] = Field(default_factory=list)
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class AcknowledgmentOut(BaseModel):
    id: str
    kind: str
    status: str
    source: str
    received_at: datetime
    error: dict[str, Any] | None
    summary: dict[str, Any]


class StatusCheckOut(BaseModel):
    id: str
    claim_id: str
    asked_at: datetime
    answered_at: datetime | None
    outcome: str | None = Field(
        description="pending, finalized_paid, finalized_denied, finalized, "
        "information_requested, not_found, returned, no_answer"
    )
    category: str | None = Field(description="STC01-1, e.g. P1, F2, A4")
    status_code: str | None = Field(description="STC01-2")
    error: str | None


class LastStatus(BaseModel):
    outcome: str
    code: str | None
    at: datetime


class FollowUpItem(BaseModel):
    id: str
    reason: str
    opened_at: datetime


class FollowUpOut(BaseModel):
    claim_id: str
    patient_control_number: str
    clinic_id: str
    payer_id: str
    status: str
    total_charge: Decimal
    balance: Decimal = Field(description="charge less what was paid: the dollars at stake")
    submitted_at: datetime
    days_waiting: int = Field(description="days since the claim was sent")
    expected_days: int = Field(description="the payer's claim_status_after_days")
    last_status: LastStatus | None
    open_items: list[FollowUpItem]


class FollowUpList(BaseModel):
    items: list[FollowUpOut]
