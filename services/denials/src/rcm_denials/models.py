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
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rcm_shared.db import TenantMixin, TimestampMixin, new_metadata

Money = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = new_metadata()
    # Server-made values come back with RETURNING: an expired attribute would need a lazy
    # load, which async sessions forbid.
    __mapper_args__ = {"eager_defaults": True}


class ClinicDirectoryEntry(TenantMixin, TimestampMixin, Base):
    """The denials service's copy of a clinic, from the claims service's events: work
    items and analytics are reported by clinic name and NPI without calling claims."""

    __tablename__ = "clinic_directory"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)


class PayerDirectoryEntry(TenantMixin, TimestampMixin, Base):
    """A payer's name and appeal window (the work item's deadline), from reference events."""

    __tablename__ = "payer_directory"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    appeal_window_days: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class ProviderDirectoryEntry(TenantMixin, TimestampMixin, Base):
    """A rendering provider's NPI and name, for appeal letters and analytics."""

    __tablename__ = "provider_directory"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    npi: Mapped[str] = mapped_column(String(10))
    first_name: Mapped[str] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)


class ClaimFact(TenantMixin, Base):
    """The claim as the claims service created it (codes, amounts, ids; no PHI): what an
    appeal letter states, and the link from a corrected claim to its original."""

    __tablename__ = "claim_facts"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_control_number: Mapped[str] = mapped_column(String(38))
    clinic_id: Mapped[str] = mapped_column(String(36))
    payer_id: Mapped[str] = mapped_column(String(80))
    rendering_provider_id: Mapped[str | None] = mapped_column(String(36))
    frequency_code: Mapped[str] = mapped_column(String(1))
    original_claim_id: Mapped[str | None] = mapped_column(String(36))
    total_charge: Mapped[Decimal] = mapped_column(Money)
    service_date_from: Mapped[date] = mapped_column(Date)
    service_date_to: Mapped[date] = mapped_column(Date)
    diagnosis_codes: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimLink(TenantMixin, Base):
    """replacement (frequency 7) claim -> the claim it corrects, and the denial that asked."""

    __tablename__ = "claim_links"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    replacement_claim_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    original_claim_id: Mapped[str] = mapped_column(String(36))
    denial_id: Mapped[str | None] = mapped_column(String(36))


class Adjudication(TenantMixin, Base):
    """Every claim payment seen, denied or not (one row per payment_id: the idempotency
    key), so rates have a denominator."""

    __tablename__ = "adjudications"
    __table_args__ = (
        Index("ix_adjudications_tenant_date", "tenant_id", "remittance_date"),
        Index("ix_adjudications_claim", "tenant_id", "claim_key"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    claim_key: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[str | None] = mapped_column(String(36))
    payer_id: Mapped[str] = mapped_column(String(80))
    clinic_id: Mapped[str | None] = mapped_column(String(36))
    claim_status_code: Mapped[str] = mapped_column(String(2))
    total_charge: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    denied: Mapped[bool] = mapped_column(Boolean)
    denied_amount: Mapped[Decimal] = mapped_column(Money)
    category: Mapped[str | None] = mapped_column(String(32))
    carc: Mapped[str | None] = mapped_column(String(8))
    remittance_date: Mapped[date] = mapped_column(Date)
    is_reversal: Mapped[bool] = mapped_column(Boolean)
    reversed_payment_id: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AdjudicationLine(TenantMixin, Base):
    __tablename__ = "adjudication_lines"
    __table_args__ = (
        Index(
            "ix_adjudication_lines_risk",
            "tenant_id",
            "payer_id",
            "procedure_code",
            "remittance_date",
        ),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    line_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(80))
    procedure_code: Mapped[str] = mapped_column(String(8))
    modifiers: Mapped[str] = mapped_column(String(16))  # sorted, comma-joined; "" for none
    charge: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    denied: Mapped[bool] = mapped_column(Boolean)
    denied_amount: Mapped[Decimal] = mapped_column(Money)
    category: Mapped[str | None] = mapped_column(String(32))
    carc: Mapped[str | None] = mapped_column(String(8))
    remittance_date: Mapped[date] = mapped_column(Date)


class Denial(TenantMixin, TimestampMixin, Base):
    """The work item: one per denied claim (claim_key), its denied lines in DenialLine."""

    __tablename__ = "denials"
    __table_args__ = (
        UniqueConstraint("tenant_id", "claim_key", name="uq_denials_tenant_claim"),
        Index("ix_denials_queue", "tenant_id", "status", "deadline"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    claim_key: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[str | None] = mapped_column(String(36))
    patient_control_number: Mapped[str] = mapped_column(String(38))
    payer_id: Mapped[str] = mapped_column(String(80))
    payer_claim_control_number: Mapped[str | None] = mapped_column(String(50))
    clinic_id: Mapped[str | None] = mapped_column(String(36))
    payment_id: Mapped[str] = mapped_column(String(64))  # the payment that opened it
    claim_status_code: Mapped[str] = mapped_column(String(2))
    total_charge: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money)  # what the denying payment paid
    denied_amount: Mapped[Decimal] = mapped_column(Money)
    category: Mapped[str] = mapped_column(String(32))
    carc: Mapped[str | None] = mapped_column(String(8))
    group_code: Mapped[str | None] = mapped_column(String(2))
    carcs: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    remark_codes: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    recommended_action: Mapped[str] = mapped_column(String(24))
    recoverability: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    claim_adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    remittance_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    assignee: Mapped[str | None] = mapped_column(String(120))
    recovered_amount: Mapped[Decimal] = mapped_column(Money)
    resolution_reason: Mapped[str | None] = mapped_column(String(200))
    resolving_payment_id: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DenialLine(TenantMixin, Base):
    __tablename__ = "denial_lines"

    tenant_id: Mapped[str] = mapped_column(String(64))
    denial_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    line_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_number: Mapped[int] = mapped_column(Integer)
    procedure_code: Mapped[str] = mapped_column(String(8))
    modifiers: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    charge: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    allowed: Mapped[Decimal | None] = mapped_column(Money)
    denied_amount: Mapped[Decimal] = mapped_column(Money)
    category: Mapped[str] = mapped_column(String(32))
    carc: Mapped[str | None] = mapped_column(String(8))
    recommended_action: Mapped[str] = mapped_column(String(24))
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # classified reasons
    remark_codes: Mapped[list[str]] = mapped_column(ARRAY(String(8)))


class DenialHistory(TenantMixin, Base):
    """Who did what, when: every transition, assignment, note, letter and payer answer."""

    __tablename__ = "denial_history"
    __table_args__ = (Index("ix_denial_history_denial", "denial_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    denial_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Appeal(TenantMixin, Base):
    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_denial", "tenant_id", "denial_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    denial_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(32))
    markdown: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
