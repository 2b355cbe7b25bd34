"""Denial work, on rcm.denials, keyed by claim id (so a claim's requests stay in order; a
payment that matched no claim is keyed by its patient control number)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rcm_shared.events.catalog import TOPIC_DENIALS, EventPayload, register


class Corrections(BaseModel):
    """What the corrected claim changes; absent fields stay as they were."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    diagnosis_codes: list[str] | None = None
    prior_authorization_number: str | None = None
    referral_number: str | None = None
    line_modifiers: dict[int, list[str]] | None = Field(
        default=None, description="line number (1-based) -> its new modifiers"
    )
    note: str | None = Field(default=None, max_length=80)


@register
class ResubmissionRequested(EventPayload):
    event_type: ClassVar[str] = "rcm.denial.resubmission_requested.v1"
    topic: ClassVar[str] = TOPIC_DENIALS
    key_field: ClassVar[str] = "claim_id"
    summary: ClassVar[str] = "A biller asked for a corrected (frequency 7) claim."

    denial_id: str
    claim_id: str
    payer_claim_control_number: str = Field(description="REF*F8 of the corrected claim")
    corrections: Corrections


class DeniedLineSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line_number: int = Field(description="1-based position in the remittance")
    procedure_code: str
    modifiers: list[str] = Field(default_factory=list)
    denied_amount: Decimal
    category: str
    carc: str | None


class _DenialEvent(EventPayload):
    topic: ClassVar[str] = TOPIC_DENIALS
    key_field: ClassVar[str] = "claim_key"

    denial_id: str
    claim_key: str = Field(description="claim_id when matched, else the patient control number")
    claim_id: str | None
    payer_id: str
    clinic_id: str | None
    status: str = Field(
        description="open, in_progress, appealed, resubmitted, resolved, written_off"
    )
    occurred_at: datetime


@register
class DenialOpened(_DenialEvent):
    event_type: ClassVar[str] = "rcm.denial.opened.v1"
    summary: ClassVar[str] = "An adjudication denied money: a work item was opened for it."

    payment_id: str
    category: str = Field(description="root cause: eligibility, authorization, coding, ...")
    carc: str | None = Field(description="the CARC behind the largest denied amount")
    group_code: str | None
    remark_codes: list[str] = Field(default_factory=list)
    recommended_action: str = Field(
        description="correct_and_resubmit, appeal, write_off, bill_patient, bill_secondary"
    )
    denied_amount: Decimal
    total_charge: Decimal
    remittance_date: date
    appeal_deadline: date
    lines: list[DeniedLineSummary] = Field(default_factory=list)


@register
class DenialUpdated(_DenialEvent):
    event_type: ClassVar[str] = "rcm.denial.updated.v1"
    summary: ClassVar[str] = "A denial work item moved or changed hands (assigned, appealed, ...)."

    change: str = Field(
        description="assigned, started, appealed, resubmitted, denied_again, reopened, ..."
    )
    previous_status: str
    assignee: str | None = None
    actor: str


@register
class DenialResolved(_DenialEvent):
    event_type: ClassVar[str] = "rcm.denial.resolved.v1"
    summary: ClassVar[str] = "A denial was closed: recovered (resolved) or written off."

    outcome: str = Field(description="resolved or written_off")
    denied_amount: Decimal
    recovered_amount: Decimal
    reason: str | None = Field(default=None, description="write-off reason, or what paid it")
    resolving_payment_id: str | None = None
    days_to_resolve: int
