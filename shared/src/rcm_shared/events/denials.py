"""Denial work, on rcm.denials, keyed by claim id (so a claim's requests stay in order)."""

from __future__ import annotations

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
