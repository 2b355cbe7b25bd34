"""A professional claim: everything an 837P (005010X222A1) needs, as the API takes it.

Shape rules (lengths, patterns, counts) live here and give 422s with field paths; the
billing rules a payer would apply live in scrubbing.py and give edits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rcm_shared.events.reference import Address

Money = Annotated[Decimal, Field(max_digits=10, decimal_places=2)]
X12Text = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^*:~^|>]+$")]
NPI = Annotated[str, Field(pattern=r"^[0-9]{10}$")]
# 837P 2000C PAT01 / 2000B SBR02 individual relationship codes
Relationship = Literal["01", "19", "20", "21", "39", "40", "53", "G8"]
Frequency = Literal["1", "7", "8"]  # original, replacement, void
FREQUENCY_REPLACEMENT = "7"
FREQUENCY_VOID = "8"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Person(_Strict):
    first_name: X12Text = Field(max_length=35)
    last_name: X12Text
    middle_name: X12Text | None = Field(default=None, max_length=25)
    birth_date: date
    gender: Literal["M", "F", "U"]
    address: Address


class Subscriber(Person):
    member_id: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9-]+$")
    group_number: str | None = Field(default=None, max_length=50, pattern=r"^[A-Za-z0-9-]+$")


class Patient(Person):
    """Only when the patient is not the subscriber (a dependent)."""

    relationship: Relationship


class Facility(_Strict):
    name: X12Text
    npi: NPI | None = None
    address: Address


class ServiceLine(_Strict):
    procedure_code: str = Field(min_length=5, max_length=5, description="CPT or HCPCS II")
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    charge: Money
    units: Decimal = Field(default=Decimal(1), gt=0, max_digits=8, decimal_places=3)
    unit_type: Literal["UN", "MJ"] = "UN"  # units or minutes (anesthesia)
    service_date_from: date
    service_date_to: date | None = None
    place_of_service: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    diagnosis_pointers: list[int] = Field(min_length=1, max_length=4)

    @field_validator("procedure_code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("modifiers")
    @classmethod
    def _upper_all(cls, value: list[str]) -> list[str]:
        return [m.upper() for m in value]

    @property
    def last_date(self) -> date:
        return self.service_date_to or self.service_date_from


# SBR01: the payer's place in the order of payment
Responsibility = Literal["P", "S", "T"]
RESPONSIBILITY_ORDER = "PST"
# CAS01 claim adjustment group codes
GroupCode = Literal["CO", "CR", "OA", "PI", "PR"]


class CasAdjustment(_Strict):
    """One adjustment a prior payer made (its 835's CAS), carried verbatim to the next."""

    group_code: GroupCode
    reason_code: str = Field(pattern=r"^[A-Z0-9]{1,5}$", description="CARC")
    amount: Annotated[Decimal, Field(max_digits=10, decimal_places=2)]
    quantity: Decimal | None = Field(default=None, max_digits=8, decimal_places=3)


class LineAdjudication(_Strict):
    """What a prior payer did with one service line (837P 2430)."""

    line_number: int = Field(ge=1, le=50, description="the 2400 line (LX01) it decided")
    procedure_code: str = Field(min_length=5, max_length=5)
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    paid: Annotated[Decimal, Field(max_digits=10, decimal_places=2)]
    units: Decimal = Field(default=Decimal(1), gt=0, max_digits=8, decimal_places=3)
    adjustments: list[CasAdjustment] = Field(default_factory=list, max_length=99)


class PriorAdjudication(_Strict):
    """A prior payer's decision on this claim (837P 2320 AMT/CAS, 2330B DTP, 2430)."""

    paid_amount: Annotated[Decimal, Field(max_digits=10, decimal_places=2)]
    adjudication_date: date
    adjustments: list[CasAdjustment] = Field(
        default_factory=list, max_length=99, description="claim-level CAS"
    )
    lines: list[LineAdjudication] = Field(default_factory=list, max_length=50)
    remaining_patient_liability: Money | None = Field(default=None, description="AMT*EAF")
    payer_claim_control_number: str | None = Field(
        default=None, max_length=50, pattern=r"^[A-Za-z0-9-]+$"
    )


class OtherCoverage(_Strict):
    """Another payer responsible for this patient's claim, ahead of or after the claim's
    own payer (837P 2320, 2330A, 2330B)."""

    payer_id: str = Field(min_length=1, max_length=80, description="the tenant's payer id")
    responsibility: Responsibility
    subscriber: Subscriber | None = Field(
        default=None, description="the other coverage's subscriber (2330A); a scrub edit if absent"
    )
    relationship: Literal["18", "01", "19", "20", "21", "39", "40", "53", "G8"] = Field(
        default="18", description="2320 SBR02: the patient to that subscriber, 18 self"
    )
    adjudication: PriorAdjudication | None = Field(
        default=None, description="that payer's decision, once it has made one"
    )


class ClaimData(_Strict):
    """The claim as submitted by the clinic's system (POST /v1/claims)."""

    clinic_id: str = Field(min_length=1, max_length=36)
    payer_id: str = Field(min_length=1, max_length=80, description="the tenant's payer id")
    patient_control_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        pattern=r"^[A-Za-z0-9-]+$",
        description="CLM01; generated when absent",
    )
    subscriber: Subscriber
    patient: Patient | None = None
    rendering_provider_id: str | None = None
    referring_provider_id: str | None = None
    service_facility: Facility | None = None
    place_of_service: str = Field(pattern=r"^[0-9]{2}$", description="CLM05-1, e.g. 11 office")
    frequency_code: Frequency = "1"
    payer_claim_control_number: str | None = Field(
        default=None,
        max_length=50,
        pattern=r"^[A-Za-z0-9-]+$",
        description="REF*F8: the payer's number of the claim a 7 or 8 replaces or voids",
    )
    prior_authorization_number: str | None = Field(
        default=None, max_length=50, pattern=r"^[A-Za-z0-9-]+$"
    )
    referral_number: str | None = Field(default=None, max_length=50, pattern=r"^[A-Za-z0-9-]+$")
    payer_responsibility: Responsibility = Field(
        default="P", description="2000B SBR01: this payer's place in the order of payment"
    )
    other_coverages: list[OtherCoverage] = Field(
        default_factory=list, max_length=10, description="the other payers, in any order"
    )
    diagnosis_codes: list[str] = Field(min_length=1, max_length=12)
    lines: list[ServiceLine] = Field(min_length=1, max_length=50)
    total_charge: Money
    service_date_from: date | None = Field(default=None, description="defaults to the lines'")
    service_date_to: date | None = None

    @field_validator("diagnosis_codes")
    @classmethod
    def _normalise_dx(cls, value: list[str]) -> list[str]:
        # stored and sent without the dot, as the 837 wants them
        return [code.replace(".", "").strip().upper() for code in value]

    @model_validator(mode="after")
    def _dates_default_to_lines(self) -> ClaimData:
        if self.service_date_from is None:
            object.__setattr__(
                self, "service_date_from", min(line.service_date_from for line in self.lines)
            )
        if self.service_date_to is None:
            object.__setattr__(self, "service_date_to", max(line.last_date for line in self.lines))
        return self

    @property
    def first_date(self) -> date:
        assert self.service_date_from is not None
        return self.service_date_from

    @property
    def last_date(self) -> date:
        assert self.service_date_to is not None
        return self.service_date_to

    @property
    def patient_person(self) -> Person:
        return self.patient or self.subscriber

    @property
    def prior_payers(self) -> list[OtherCoverage]:
        """The other payers ahead of this claim's payer, in the order they paid."""
        mine = RESPONSIBILITY_ORDER.index(self.payer_responsibility)
        ahead = [
            c for c in self.other_coverages if RESPONSIBILITY_ORDER.index(c.responsibility) < mine
        ]
        return sorted(ahead, key=lambda c: c.responsibility)

    @property
    def next_payer(self) -> OtherCoverage | None:
        """The payer after this claim's payer, if one is on file."""
        mine = RESPONSIBILITY_ORDER.index(self.payer_responsibility)
        after = [
            c for c in self.other_coverages if RESPONSIBILITY_ORDER.index(c.responsibility) > mine
        ]
        return min(after, key=lambda c: RESPONSIBILITY_ORDER.index(c.responsibility), default=None)

    @property
    def lines_total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))


def patched_claim(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A stored claim's data with a PATCH applied, ready to validate as ClaimData. The
    stored claim period was worked out from the lines: unless the patch sets it, it follows
    the patched lines."""
    merged: dict[str, Any] = merge_patch(stored, changes)
    if "lines" in changes:
        for key in ("service_date_from", "service_date_to"):
            if key not in changes:
                merged.pop(key, None)
    return merged


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
