"""API bodies of the remittance service."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FileOut(_Out):
    id: str
    state: str = Field(description="received, posted, duplicate, rejected, quarantined")
    source: str
    file_name: str | None
    sha256: str
    size: int
    error: dict[str, Any] | None
    remittance_count: int
    created_at: datetime
    updated_at: datetime


class ProviderAdjustmentOut(_Out):
    provider_id: str
    fiscal_period_date: date
    reason_code: str
    reference: str | None
    amount: Decimal


class RemittanceOut(_Out):
    id: str
    file_id: str
    payer_id: str = Field(
        validation_alias=AliasChoices("payer_key", "payer_id"),
        description="the payer's id, else its name",
    )
    payer_name: str | None
    trace_number: str = Field(description="TRN02: the check or EFT trace number")
    payer_trace_id: str | None
    payment_amount: Decimal = Field(description="BPR02")
    credit_debit: str
    payment_method: str = Field(description="BPR04: ACH, CHK, BOP, FWT, NON")
    handling_code: str
    payment_date: date | None = Field(description="BPR16: EFT effective or check date")
    production_date: date | None
    payee_npi: str | None
    transaction_control: str
    claim_count: int
    matched_count: int
    unmatched_count: int
    total_claim_paid: Decimal
    total_plb: Decimal
    warnings: list[str]
    created_at: datetime


class PaymentOut(_Out):
    id: str
    remittance_id: str
    state: str = Field(description="posted, unmatched, reversed")
    claim_id: str | None
    clinic_id: str | None
    patient_control_number: str
    status_code: str = Field(description="CLP02")
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    payer_claim_control_number: str | None
    filing_indicator: str | None
    frequency: str | None
    crossover_payer: str | None = Field(description="NM1*TT: the payer the claim crossed to")
    rendering_npi: str | None
    is_reversal: bool
    reversed_payment_id: str | None
    reversed_by_payment_id: str | None
    adjustments: list[dict[str, Any]]
    remark_codes: list[str]
    dates: dict[str, str]
    amounts: dict[str, str]
    lines: list[dict[str, Any]]
    matched_by: str | None
    created_at: datetime
    posted_at: datetime | None


class RemittanceDetail(RemittanceOut):
    provider_adjustments: list[ProviderAdjustmentOut]
    payments: list[PaymentOut]
    next_payments_after: int | None = Field(
        description="pass as payments_after for the next page of claim payments"
    )


class IngestOut(BaseModel):
    file: FileOut
    remittances: list[RemittanceOut]
    duplicate_remittance_ids: list[str]


class RemittancePage(BaseModel):
    items: list[RemittanceOut]
    next_cursor: str | None


class PaymentPage(BaseModel):
    items: list[PaymentOut]
    next_cursor: str | None


class FilePage(BaseModel):
    items: list[FileOut]
    next_cursor: str | None


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: str = Field(min_length=1, max_length=36)
