"""The claim lifecycle, published by the claims service on rcm.claims, keyed by claim id.

Payloads carry identifiers, codes and amounts; the patient appears only as `patient_key`,
a pseudonymous reference (rcm_shared.identity), never by name, birth date or member id.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rcm_shared.events.catalog import TOPIC_CLAIMS, EventPayload, register


class ClaimLineSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line_number: int
    procedure_code: str
    modifiers: list[str]
    charge: Decimal
    units: Decimal
    service_date: date


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    severity: str = Field(description="error or warning")
    message: str
    path: str


class _ClaimEvent(EventPayload):
    topic: ClassVar[str] = TOPIC_CLAIMS
    key_field: ClassVar[str] = "claim_id"

    claim_id: str
    patient_control_number: str
    clinic_id: str
    payer_id: str
    status: str
    occurred_at: datetime


@register
class ClaimCreated(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.created.v1"
    summary: ClassVar[str] = "A claim was taken in (or created as a correction or void)."

    patient_key: str
    rendering_provider_id: str | None
    frequency_code: str
    original_claim_id: str | None = None
    payer_responsibility: str = Field(
        default="P", description="SBR01: P primary, S secondary, T tertiary"
    )
    prior_claim_id: str | None = Field(
        default=None, description="the prior payer's claim this one follows (COB)"
    )
    next_payer_id: str | None = Field(
        default=None,
        description="the payer billed after this one when it leaves a balance (COB on file): "
        "what the patient owes waits for that payer's decision",
    )
    total_charge: Decimal
    service_date_from: date
    service_date_to: date
    diagnosis_codes: list[str]
    lines: list[ClaimLineSummary]


@register
class ClaimScrubbed(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.scrubbed.v1"
    summary: ClassVar[str] = "The claim was scrubbed: ready, or scrub_failed with its edits."

    passed: bool
    first_pass: bool
    edits: list[Edit]


@register
class ClaimSubmitted(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.submitted.v1"
    summary: ClassVar[str] = "The claim left in an 837P interchange to the clearinghouse."

    submission_id: str
    interchange_control_number: str
    transaction_control_number: str
    total_charge: Decimal


@register
class ClaimAccepted(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.accepted.v1"
    summary: ClassVar[str] = "A 999 or 277CA accepted the claim for adjudication."

    source: str = Field(description="999, 277CA, or crossover (forwarded by the prior payer)")
    payer_claim_control_number: str | None = None


@register
class ClaimRejected(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.rejected.v1"
    summary: ClassVar[str] = "A 999 or 277CA rejected the claim before adjudication."

    source: str
    reasons: list[str] = Field(description="status codes with their meaning")


@register
class ClaimAdjudicated(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.adjudicated.v1"
    summary: ClassVar[str] = "The payer decided: paid, partially paid, denied, or reversed."

    claim_status_code: str = Field(description="CLP02")
    total_charge: Decimal
    paid_amount: Decimal
    patient_responsibility: Decimal
    payer_claim_control_number: str | None


@register
class ClaimCorrected(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.corrected.v1"
    summary: ClassVar[str] = "A frequency-7 replacement claim was created for this claim."

    replacement_claim_id: str
    denial_id: str | None = None


@register
class ClaimClosed(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.closed.v1"
    summary: ClassVar[str] = (
        "Billing closed an adjudicated claim: nothing more is expected from the payer "
        "(paid in full, balance billed to the patient, written off, appeals exhausted)."
    )

    reason: str
    paid_amount: Decimal
    patient_responsibility: Decimal


@register
class ClaimVoided(_ClaimEvent):
    event_type: ClassVar[str] = "rcm.claim.voided.v1"
    summary: ClassVar[str] = "The claim was voided (frequency 8 sent if it had been submitted)."

    void_claim_id: str | None
    reason: str
