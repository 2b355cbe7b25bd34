"""Payments and adjustments from 835s, on rcm.remittance, keyed by claim id (or the
patient control number when the payment matched no claim)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rcm_shared.events.catalog import TOPIC_REMITTANCE, EventPayload, register


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    group_code: str = Field(description="CAS01: CO, PR, OA, PI, CR")
    reason_code: str = Field(description="CARC")
    amount: Decimal
    quantity: Decimal | None = None


class AdjudicatedLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    procedure_code: str
    modifiers: list[str] = Field(default_factory=list)
    charge: Decimal
    paid: Decimal
    units: Decimal | None = None
    service_date: date | None = None
    adjustments: list[Adjustment] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list)
    allowed_amount: Decimal | None = Field(default=None, description="AMT*B6, when sent")
    line_control_number: str | None = Field(
        default=None, description="REF*6R: the 837 line item control number echoed back"
    )


@register
class ClaimPaymentAdjudicated(EventPayload):
    event_type: ClassVar[str] = "rcm.remittance.claim_adjudicated.v1"
    topic: ClassVar[str] = TOPIC_REMITTANCE
    key_field: ClassVar[str] = "claim_key"
    summary: ClassVar[str] = "One claim payment (CLP loop) of an 835, posted to its claim."

    claim_key: str = Field(description="the claim id (the Kafka key)")
    claim_id: str | None
    patient_control_number: str
    remittance_id: str
    payment_id: str
    payer_id: str
    payer_claim_control_number: str | None
    claim_status_code: str = Field(description="CLP02: 1, 2, 3 processed; 4 denied; 22 reversal")
    total_charge: Decimal
    paid_amount: Decimal
    patient_responsibility: Decimal
    adjustments: list[Adjustment] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list)
    lines: list[AdjudicatedLine] = Field(default_factory=list)
    remittance_date: date
    is_reversal: bool = False
    reversed_payment_id: str | None = Field(
        default=None, description="the earlier payment a reversal (CLP02 22) undoes"
    )
    clinic_id: str | None = Field(default=None, description="the claim's clinic, when matched")
    trace_number: str | None = Field(default=None, description="TRN02: check or EFT number")
    crossover_payer: str | None = Field(
        default=None, description="NM1*TT: the payer this one forwarded the claim to"
    )


class ProviderLevelAdjustment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider_id: str = Field(description="PLB01")
    fiscal_period_date: date = Field(description="PLB02")
    reason_code: str = Field(description="PLB03-1: WO, FB, L6, CV, 72, ...")
    reference: str | None = Field(default=None, description="PLB03-2")
    amount: Decimal = Field(description="positive reduces the payment")


@register
class RemittanceReceived(EventPayload):
    event_type: ClassVar[str] = "rcm.remittance.received.v1"
    topic: ClassVar[str] = TOPIC_REMITTANCE
    key_field: ClassVar[str] = "remittance_id"
    summary: ClassVar[str] = "An 835 transaction was posted: its EFT data and PLB adjustments."

    remittance_id: str
    file_id: str | None = Field(
        default=None, description="the 835 file; a file with several ERAs gives one event each"
    )
    payer_id: str
    payer_name: str | None
    trace_number: str = Field(description="TRN02: check or EFT number")
    payment_amount: Decimal = Field(description="BPR02")
    credit_debit: str = Field(description="BPR03: C or D")
    payment_method: str = Field(description="BPR04: ACH, CHK, NON, ...")
    payment_date: date | None
    payee_npi: str | None
    claim_count: int
    matched_count: int
    unmatched_count: int
    total_claim_paid: Decimal
    provider_adjustments: list[ProviderLevelAdjustment] = Field(default_factory=list)
