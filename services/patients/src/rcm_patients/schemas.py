"""Request and response bodies of the patients API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rcm_patients.domain.dunning import Rules
from rcm_shared.errors import storable
from rcm_shared.events.reference import Address

Amount = Decimal


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        return storable(value) if isinstance(value, str) else value


class Guarantor(_In):
    first_name: str = Field(min_length=1, max_length=60)
    last_name: str = Field(min_length=1, max_length=60)
    address: Address
    email: str | None = Field(default=None, max_length=120, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^[0-9+() .-]{7,20}$")


class CoverageIn(_In):
    payer_id: str = Field(min_length=1, max_length=80)
    member_id: str = Field(min_length=1, max_length=80, description="as on the claim (NM109)")


class PatientIn(_In):
    first_name: str = Field(min_length=1, max_length=60)
    last_name: str = Field(min_length=1, max_length=60)
    birth_date: date
    coverages: list[CoverageIn] = Field(min_length=1, max_length=5)


class AccountIn(_In):
    clinic_id: str = Field(min_length=1, max_length=36)
    account_number: str | None = Field(default=None, max_length=30)
    guarantor: Guarantor
    patients: list[PatientIn] = Field(min_length=1, max_length=20)


class PatientOut(BaseModel):
    first_name: str | None
    last_name: str | None
    birth_date: date | None
    payer_id: str


class VisitOut(BaseModel):
    claim_id: str = Field(description="the visit's first claim")
    claim_ids: list[str]
    patient_control_number: str
    service_date_from: date
    service_date_to: date
    total_charge: Amount
    insurance_paid: Amount
    patient_responsibility: Amount
    patient_paid: Amount
    balance: Amount
    pending_insurance: bool
    patient_due_since: date | None


class RefundOut(BaseModel):
    id: str
    amount: Amount
    status: str
    method: str | None
    reference: str | None
    issued_on: date | None


class InstallmentOut(BaseModel):
    number: int
    due_date: date
    amount: Amount
    paid: Amount
    status: str


class PlanOut(BaseModel):
    id: str
    account_id: str
    total: Amount
    installment_amount: Amount
    installments: int
    day_of_month: int
    status: str
    missed: int
    schedule: list[InstallmentOut]


class AccountOut(BaseModel):
    id: str
    clinic_id: str
    account_number: str | None
    registered: bool
    guarantor: dict[str, object] | None
    patients: list[PatientOut]
    balance: Amount = Field(description="everything the patient owes (negative: a credit)")
    due: Amount = Field(description="what is billed to the patient now")
    pending_insurance: Amount = Field(description="a payer still decides this part")
    collections_flagged_on: date | None
    visits: list[VisitOut]
    refunds: list[RefundOut]
    plans: list[PlanOut]
    created_at: datetime


class AccountSummary(BaseModel):
    id: str
    clinic_id: str
    account_number: str | None
    registered: bool
    balance: Amount
    collections_flagged_on: date | None


class AccountPage(BaseModel):
    items: list[AccountSummary]
    next_cursor: str | None


class EntryOut(BaseModel):
    id: int
    posted_on: date
    kind: str
    category: str | None
    amount: Amount
    claim_id: str | None
    visit_id: str | None
    line_key: str | None
    event_id: str | None = Field(description="the event that caused it")
    remittance_id: str | None = Field(description="the 835 (ERA) behind it")
    payment_id: str | None = Field(description="the 835 claim payment (CLP) behind it")
    patient_payment_id: str | None
    refund_id: str | None


class PaymentIn(_In):
    amount: Amount = Field(gt=0, max_digits=10, decimal_places=2)
    method: Literal["cash", "check", "card"]
    reference: str | None = Field(
        default=None,
        max_length=64,
        description="check number, or the card processor's transaction id (never a card number)",
    )
    received_on: date | None = Field(default=None, description="default: today")
    claim_id: str | None = Field(default=None, description="apply to this visit only")


class ApplicationOut(BaseModel):
    claim_id: str
    amount: Amount


class PaymentOut(BaseModel):
    id: str
    account_id: str
    amount: Amount
    method: str
    reference: str | None
    received_on: date
    applied: list[ApplicationOut]
    installments: list[InstallmentOut] = Field(description="plan installments it paid")
    balance_after: Amount


class RefundIn(_In):
    amount: Amount = Field(gt=0, max_digits=10, decimal_places=2)
    method: Literal["check", "card", "cash"]
    reference: str | None = Field(default=None, max_length=64)
    issued_on: date | None = None


class PlanIn(_In):
    installments: int = Field(ge=2, le=60)
    day_of_month: int = Field(ge=1, le=28)
    total: Amount | None = Field(
        default=None, gt=0, max_digits=10, decimal_places=2, description="default: what is due"
    )
    start: date | None = Field(default=None, description="the first installment is after this")


class PolicyOut(BaseModel):
    clinic_id: str
    rules: Rules


class RunIn(_In):
    clinic_id: str = Field(min_length=1, max_length=36)
    as_of: date | None = Field(default=None, description="the cycle's day; default today")


class RunOut(BaseModel):
    id: str
    clinic_id: str
    as_of: date
    statements: int
    notices: dict[str, int]
    sent_to_collections: int
    installments_missed: int
    plans_broken: int
    skipped: dict[str, int]
    statement_ids: list[str]


class StatementOut(BaseModel):
    id: str
    account_id: str
    clinic_id: str
    run_id: str | None
    notice: str
    issued_on: date
    due_date: date
    balance: Amount
    amount_due: Amount
    pending_insurance: Amount
    document: dict[str, object]


class StatementSummary(BaseModel):
    id: str
    account_id: str
    notice: str
    issued_on: date
    due_date: date
    balance: Amount
    amount_due: Amount


class KpisOut(BaseModel):
    as_of: date
    clinic_id: str | None
    patient_ar: Amount
    pending_insurance: Amount
    aging: dict[str, Amount]
    patient_responsibility: Amount
    collected: Amount
    collection_rate: Decimal | None
    days_to_collect: Decimal | None
    visits_collected: int
    statements: dict[str, int]
    accounts_in_collections: int
    plans: dict[str, int]
