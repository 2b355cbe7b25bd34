"""HTTP models of the denials API."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MODIFIER = r"^[A-Z0-9]{2}$"
ICD10 = r"^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdjustmentOut(BaseModel):
    group_code: str
    carc: str
    description: str
    amount: Decimal
    category: str
    action: str
    remark_codes: list[str]
    refined_by: str | None


class RemarkOut(BaseModel):
    code: str
    description: str


class DenialLineOut(BaseModel):
    line_number: int
    procedure_code: str
    modifiers: list[str]
    charge: Decimal
    paid: Decimal
    allowed: Decimal | None
    denied_amount: Decimal
    category: str
    carc: str | None
    recommended_action: str
    adjustments: list[AdjustmentOut]
    remarks: list[RemarkOut]


class DenialSummary(BaseModel):
    id: str
    claim_key: str
    claim_id: str | None
    patient_control_number: str
    payer_id: str
    payer_claim_control_number: str | None
    clinic_id: str | None
    status: str
    category: str
    carc: str | None
    carc_description: str | None
    group_code: str | None
    carcs: list[str]
    remark_codes: list[str]
    recommended_action: str
    denied_amount: Decimal
    recovered_amount: Decimal
    total_charge: Decimal
    paid_amount: Decimal
    recoverability: Decimal
    priority: Decimal
    remittance_date: date
    deadline: date
    days_left: int
    assignee: str | None
    opened_at: datetime
    resolved_at: datetime | None
    resolution_reason: str | None


class ClaimFactsOut(BaseModel):
    claim_id: str
    clinic_id: str
    clinic_name: str | None
    rendering_provider_id: str | None
    frequency_code: str
    original_claim_id: str | None
    total_charge: Decimal
    service_date_from: date
    service_date_to: date
    diagnosis_codes: list[str]
    lines: list[dict[str, Any]]


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any]


class DenialOut(DenialSummary):
    claim: ClaimFactsOut | None
    claim_adjustments: list[AdjustmentOut]
    lines: list[DenialLineOut]
    notes: list[HistoryOut]


class DenialPage(BaseModel):
    items: list[DenialSummary]
    next_cursor: str | None


class AssignIn(_In):
    assignee: str | None = Field(min_length=1, max_length=120)


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=2000)


class AppealIn(_In):
    argument: str | None = Field(
        default=None, max_length=4000, description="the biller's own words, after the standard one"
    )


class AppealOut(BaseModel):
    id: str
    denial_id: str
    created_at: datetime
    created_by: str
    category: str
    markdown_url: str
    pdf_url: str
    markdown: str | None = None


class ResubmitIn(_In):
    """What the corrected (frequency 7) claim changes; at least one field."""

    diagnosis_codes: list[str] | None = Field(default=None, min_length=1, max_length=12)
    prior_authorization_number: str | None = Field(default=None, min_length=1, max_length=50)
    referral_number: str | None = Field(default=None, min_length=1, max_length=50)
    line_modifiers: dict[int, list[str]] | None = Field(
        default=None, description="line number (1-based) -> its new modifiers (up to 4)"
    )
    note: str | None = Field(default=None, max_length=80)

    @field_validator("diagnosis_codes")
    @classmethod
    def _icd(cls, codes: list[str] | None) -> list[str] | None:
        if codes is None:
            return None
        for code in codes:
            if not re.match(ICD10, code.upper()):
                raise ValueError(f"{code!r} is not an ICD-10-CM code")
        return [c.upper() for c in codes]

    @field_validator("line_modifiers")
    @classmethod
    def _modifiers(cls, value: dict[int, list[str]] | None) -> dict[int, list[str]] | None:
        if value is None:
            return None
        for number, modifiers in value.items():
            if number < 1:
                raise ValueError("line numbers start at 1")
            if len(modifiers) > 4:
                raise ValueError("a line has at most 4 modifiers")
            for modifier in modifiers:
                if not re.match(MODIFIER, modifier.upper()):
                    raise ValueError(f"{modifier!r} is not a modifier (2 letters or digits)")
        return {n: [m.upper() for m in mods] for n, mods in value.items()}


WriteOffReason = Literal[
    "not_worth_pursuing",
    "appeal_lost",
    "timely_filing_expired",
    "non_covered_no_waiver",
    "duplicate_confirmed",
    "small_balance",
    "other",
]


class WriteOffIn(_In):
    reason: WriteOffReason
    note: str | None = Field(default=None, max_length=500)


class ResolveIn(_In):
    recovered_amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    note: str | None = Field(default=None, max_length=500)


class RiskItemIn(_In):
    payer_id: str = Field(min_length=1, max_length=80)
    procedure_code: str = Field(pattern=r"^[A-Z0-9]{5}$")
    modifiers: list[str] | None = Field(
        default=None, max_length=4, description="null: any modifiers; []: none"
    )

    @field_validator("modifiers")
    @classmethod
    def _mods(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for modifier in value:
            if not re.match(MODIFIER, modifier.upper()):
                raise ValueError(f"{modifier!r} is not a modifier (2 letters or digits)")
        return [m.upper() for m in value]


class RiskBatchIn(_In):
    window_days: int = Field(default=90, ge=1, le=730)
    items: list[RiskItemIn] = Field(min_length=1, max_length=1000)


class ModifierRisk(BaseModel):
    modifiers: list[str]
    lines: int
    denied: int
    denial_rate: Decimal


class ReasonCount(BaseModel):
    carc: str | None
    category: str | None
    denied: int


class RiskOut(BaseModel):
    payer_id: str
    procedure_code: str
    modifiers: list[str] | None
    window_days: int
    since: date
    lines: int
    denied: int
    denied_amount: Decimal
    denial_rate: Decimal | None
    sufficient_history: bool
    top_reasons: list[ReasonCount]
    by_modifiers: list[ModifierRisk]
    message: str | None


class RiskBatchOut(BaseModel):
    results: list[RiskOut]


class RateRow(BaseModel):
    group: str | None
    period: date | None
    claims: int = Field(
        description="adjudicated claims of the group; for category and CARC groups, every "
        "adjudicated claim of the period (a category splits only the denied side)"
    )
    denied: int
    denial_rate: Decimal
    charges: Decimal
    denied_amount: Decimal
    dollar_denial_rate: Decimal


class TopReason(BaseModel):
    carc: str | None
    description: str | None
    category: str | None
    denials: int
    denied_amount: Decimal


class RecoveryOut(BaseModel):
    denials: int
    resolved: int
    written_off: int
    denied_amount: Decimal
    recovered_amount: Decimal
    recovery_rate: Decimal
    avg_days_to_resolve: Decimal | None
    median_days_to_resolve: Decimal | None


class AnalyticsOut(BaseModel):
    date_from: date
    date_to: date
    group_by: str
    interval: str | None
    rates: list[RateRow]
    top_reasons: list[TopReason]
    recovery: RecoveryOut


class CodeListsOut(BaseModel):
    carc_publication: str
    rarc_publication: str
    carcs: int
    rarcs: int
