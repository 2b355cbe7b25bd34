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


@register
class ClaimPaymentAdjudicated(EventPayload):
    event_type: ClassVar[str] = "rcm.remittance.claim_adjudicated.v1"
    topic: ClassVar[str] = TOPIC_REMITTANCE
    key_field: ClassVar[str] = "claim_key"
    summary: ClassVar[str] = "One claim payment (CLP loop) of an 835, posted or unmatched."

    claim_key: str = Field(description="claim_id when matched, else the patient control number")
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
