"""The patient side of the ledger, on rcm.patients, keyed by account id: statements,
patient payments, payment plans, collections. No names or addresses: an account id is an
opaque identifier, and amounts are not PHI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rcm_shared.events.catalog import TOPIC_PATIENTS, EventPayload, register


class _AccountEvent(EventPayload):
    topic: ClassVar[str] = TOPIC_PATIENTS
    key_field: ClassVar[str] = "account_id"

    account_id: str
    clinic_id: str


@register
class StatementIssued(_AccountEvent):
    event_type: ClassVar[str] = "rcm.patient.statement_issued.v1"
    summary: ClassVar[str] = "A patient statement (or dunning notice) was issued for an account."

    statement_id: str
    run_id: str | None = Field(description="the statement cycle that issued it")
    notice: str = Field(description="statement, second_notice, final_notice or plan_statement")
    issued_on: date
    due_date: date
    balance: Decimal = Field(description="what the patient owes in all")
    amount_due: Decimal = Field(description="due by due_date: the balance, or the installment")
    pending_insurance: Decimal = Field(description="not billed yet: a payer still decides it")


class Application(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    claim_id: str = Field(description="the visit's first claim")
    amount: Decimal


@register
class PatientPaymentReceived(_AccountEvent):
    event_type: ClassVar[str] = "rcm.patient.payment_received.v1"
    summary: ClassVar[str] = "A patient payment was posted and applied to the account's visits."

    payment_id: str
    amount: Decimal
    method: str = Field(description="cash, check or card (a processor's reference, no card data)")
    received_on: date
    applied: list[Application]


@register
class InstallmentMissed(_AccountEvent):
    event_type: ClassVar[str] = "rcm.patient.installment_missed.v1"
    summary: ClassVar[str] = "A payment plan installment passed its due date (and grace) unpaid."

    plan_id: str
    installment: int = Field(ge=1)
    due_date: date
    amount: Decimal
    unpaid: Decimal
    plan_status: str = Field(description="active while the plan holds, broken once it does not")


@register
class AccountSentToCollections(_AccountEvent):
    event_type: ClassVar[str] = "rcm.patient.account_sent_to_collections.v1"
    summary: ClassVar[str] = "Dunning ended unpaid: the account is flagged for collections."

    balance: Decimal
    final_notice_id: str
    flagged_on: date
