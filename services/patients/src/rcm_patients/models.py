"""The patients service's tables: guarantor accounts and their patients, visits (a claim
chain: the primary claim, its secondary and tertiary claims, their corrections), every
adjudication seen, the ledger, patient payments and refunds, statements and their
cycles, payment plans. Amounts are NUMERIC(12,2), read as Decimal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rcm_shared.db import TenantMixin, TimestampMixin, new_metadata

Money = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = new_metadata()
    __mapper_args__ = {"eager_defaults": True}


class ClinicDirectoryEntry(TenantMixin, TimestampMixin, Base):
    """A clinic's name and addresses, from reference events: the statement's letterhead
    and where to send a check."""

    __tablename__ = "clinic_directory"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str] = mapped_column(String(10))
    address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    pay_to_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)


class Account(TenantMixin, TimestampMixin, Base):
    """A guarantor's account at a clinic. `registered` is false for an account opened by a
    claim whose patient nobody registered yet: it collects the ledger, gets no statement,
    and is adopted by the registration that names its coverage."""

    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_clinic", "tenant_id", "clinic_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(36))
    account_number: Mapped[str | None] = mapped_column(String(30))
    registered: Mapped[bool] = mapped_column(Boolean)
    guarantor: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # name, address, contact
    collections_flagged_on: Mapped[date | None] = mapped_column(Date)


class AccountPatient(TenantMixin, Base):
    """A patient under a guarantor, one row per coverage (the pseudonymous patient key the
    claims service computes from payer, member id and birth date). The member id is not
    kept: the key is all the ledger needs."""

    __tablename__ = "account_patients"
    __table_args__ = (Index("ix_account_patients_account", "tenant_id", "account_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    payer_id: Mapped[str] = mapped_column(String(80))
    first_name: Mapped[str | None] = mapped_column(String(60))
    last_name: Mapped[str | None] = mapped_column(String(60))
    birth_date: Mapped[date | None] = mapped_column(Date)


class Visit(TenantMixin, TimestampMixin, Base):
    """One visit's claim chain, named by its first claim. `patient_due_since` is the day
    the patient first owed something on it (the start of its patient A/R age)."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_account", "tenant_id", "account_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    clinic_id: Mapped[str] = mapped_column(String(36))
    patient_key: Mapped[str] = mapped_column(String(32))
    patient_control_number: Mapped[str] = mapped_column(String(38))
    service_date_from: Mapped[date] = mapped_column(Date)
    service_date_to: Mapped[date] = mapped_column(Date)
    total_charge: Mapped[Decimal] = mapped_column(Money)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # the first claim's lines
    patient_due_since: Mapped[date | None] = mapped_column(Date)
    # the deciding payer's claim goes on to another payer, whose word is still to come
    pending_insurance: Mapped[bool] = mapped_column(Boolean, default=False)


class VisitClaim(TenantMixin, Base):
    """Each claim of a visit: its payer level (1 primary, 2 secondary, 3 tertiary) and the
    payer that comes after it, if any. A claim that follows one not seen yet (its
    ClaimCreated is behind on another partition) waits unlinked, `visit_id` naming the
    claim it follows, until that one arrives."""

    __tablename__ = "visit_claims"
    __table_args__ = (Index("ix_visit_claims_visit", "tenant_id", "visit_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    visit_id: Mapped[str] = mapped_column(String(36))
    level: Mapped[int] = mapped_column(SmallInteger)
    payer_id: Mapped[str] = mapped_column(String(80))
    next_payer_id: Mapped[str | None] = mapped_column(String(80))
    frequency_code: Mapped[str] = mapped_column(String(1))
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))  # arrival order
    linked: Mapped[bool] = mapped_column(Boolean, default=True)


class Adjudication(TenantMixin, Base):
    """Every claim payment of an 835 seen (one row per payment id: a payment published
    twice counts once). `shares` is the patient's part by "line|category", `line_paid`
    what the payer paid per line; a payment whose claim is not known yet waits here with
    no visit."""

    __tablename__ = "adjudications"
    __table_args__ = (
        Index("ix_adjudications_visit", "tenant_id", "visit_id"),
        Index("ix_adjudications_claim", "tenant_id", "claim_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36))
    visit_id: Mapped[str | None] = mapped_column(String(36))
    event_id: Mapped[str] = mapped_column(String(64))
    remittance_id: Mapped[str] = mapped_column(String(64))
    payer_id: Mapped[str] = mapped_column(String(80))
    claim_status_code: Mapped[str] = mapped_column(String(2))
    is_reversal: Mapped[bool] = mapped_column(Boolean)
    reversed_payment_id: Mapped[str | None] = mapped_column(String(64))
    crossover_payer: Mapped[str | None] = mapped_column(String(80))
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    patient_responsibility: Mapped[Decimal] = mapped_column(Money)
    shares: Mapped[dict[str, str]] = mapped_column(JSONB)
    line_paid: Mapped[dict[str, str]] = mapped_column(JSONB)
    remittance_date: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class LedgerEntry(TenantMixin, Base):
    """The patient's ledger, append only: a positive amount is owed by the patient, a
    negative one takes from it. Each entry names what caused it: the event and 835 claim
    payment (remittance_id, payment_id), or the patient payment or refund."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_account", "tenant_id", "account_id"),
        Index("ix_ledger_visit", "tenant_id", "visit_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    visit_id: Mapped[str | None] = mapped_column(String(36))
    claim_id: Mapped[str | None] = mapped_column(String(36))
    line_key: Mapped[str | None] = mapped_column(String(60))
    category: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Decimal] = mapped_column(Money)
    posted_on: Mapped[date] = mapped_column(Date)
    event_id: Mapped[str | None] = mapped_column(String(64))
    remittance_id: Mapped[str | None] = mapped_column(String(64))
    payment_id: Mapped[str | None] = mapped_column(String(64))
    patient_payment_id: Mapped[str | None] = mapped_column(String(36))
    refund_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PatientPayment(TenantMixin, Base):
    __tablename__ = "patient_payments"
    __table_args__ = (Index("ix_patient_payments_account", "tenant_id", "account_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(8))  # cash, check, card
    reference: Mapped[str | None] = mapped_column(String(64))  # check no. or processor ref
    received_on: Mapped[date] = mapped_column(Date)
    claim_id: Mapped[str | None] = mapped_column(String(36))  # applied to this visit
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Refund(TenantMixin, TimestampMixin, Base):
    """A credit owed back to the patient. The open one (status due) follows the account's
    credit; issuing it writes the ledger entry that brings the balance back to zero."""

    __tablename__ = "refunds"
    __table_args__ = (Index("ix_refunds_account", "tenant_id", "account_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(8))  # due, issued, void
    method: Mapped[str | None] = mapped_column(String(8))
    reference: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)


class StatementPolicy(TenantMixin, TimestampMixin, Base):
    """A clinic's statement cycle and dunning rules (defaults from the settings)."""

    __tablename__ = "statement_policies"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)


class StatementRun(TenantMixin, Base):
    __tablename__ = "statement_runs"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(36))
    as_of: Mapped[date] = mapped_column(Date)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Statement(TenantMixin, Base):
    """One statement or notice; `document` is the print vendor's JSON, and the PDF is
    drawn from it on request (the same document always gives the same page)."""

    __tablename__ = "statements"
    __table_args__ = (Index("ix_statements_account", "tenant_id", "account_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    clinic_id: Mapped[str] = mapped_column(String(36))
    run_id: Mapped[str | None] = mapped_column(String(36))
    notice: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(SmallInteger)  # 1, 2, 3 (final); 0 plan statement
    issued_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    balance: Mapped[Decimal] = mapped_column(Money)
    amount_due: Mapped[Decimal] = mapped_column(Money)
    pending_insurance: Mapped[Decimal] = mapped_column(Money)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PaymentPlan(TenantMixin, TimestampMixin, Base):
    __tablename__ = "payment_plans"
    __table_args__ = (Index("ix_payment_plans_account", "tenant_id", "account_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    total: Mapped[Decimal] = mapped_column(Money)
    installment_amount: Mapped[Decimal] = mapped_column(Money)
    installments: Mapped[int] = mapped_column(SmallInteger)
    day_of_month: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(10))  # active, completed, broken, cancelled
    missed: Mapped[int] = mapped_column(SmallInteger, default=0)


class PlanInstallment(TenantMixin, Base):
    __tablename__ = "plan_installments"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(8))  # due, paid, missed
