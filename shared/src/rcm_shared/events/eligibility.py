"""What eligibility learned from a payer, on rcm.eligibility, keyed by check id."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rcm_shared.events.catalog import TOPIC_ELIGIBILITY, EventPayload, register


class CostShare(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service_type: str = Field(description="EB03, e.g. 30 health benefit plan coverage")
    coverage_level: str | None = Field(default=None, description="EB02: IND, FAM, ...")
    copay: Decimal | None = None
    coinsurance_percent: Decimal | None = None
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket_max: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None
    in_network: bool | None = None


class OtherPayer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    order: str | None = Field(description="primary, secondary, tertiary, or null when unsaid")
    name: str | None
    payer_id: str | None
    insurance_type: str | None = Field(description="EB04, e.g. MB Medicare Part B")


@register
class EligibilityChecked(EventPayload):
    event_type: ClassVar[str] = "rcm.eligibility.checked.v1"
    topic: ClassVar[str] = TOPIC_ELIGIBILITY
    key_field: ClassVar[str] = "check_id"
    summary: ClassVar[str] = "A payer answered (or failed to answer) a coverage check."

    check_id: str
    patient_key: str = Field(description="pseudonymous patient reference (rcm_shared.identity)")
    payer_id: str
    status: str = Field(description="active, inactive, unknown or error")
    service_date: date
    plan_name: str | None = None
    group_number: str | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    cost_share: list[CostShare] = Field(default_factory=list)
    other_payers: list[OtherPayer] = Field(
        default_factory=list,
        description="other coverage found: payers the 271 reports besides this one (EB*R)",
    )
    checked_at: datetime
