"""Tables of the remittance service.

A received file is kept raw (`remittance_files` + `remittance_file_chunks`) before anything
is posted from it, so a rejected or quarantined 835 stays retrievable as it came. Each
transaction set (ST..SE, one BPR/TRN) becomes one `remittances` row; each CLP one
`claim_payments` row with its lines and adjustments as JSON documents (read whole, never
queried line by line). PHI: the patient's name and member id from NM1*QC/IL are not stored;
the 835 itself is, in the raw file.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rcm_shared.db import TenantMixin, TimestampMixin, new_metadata

Money = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = new_metadata()
    # Server-made values come back with RETURNING: an expired attribute would need a lazy
    # load, which async sessions forbid.
    __mapper_args__ = {"eager_defaults": True}


class ClaimRef(TenantMixin, Base):
    """The claims this service can post to, copied from rcm.claim.created events: what
    CLP01 (the patient control number) is matched against."""

    __tablename__ = "claim_refs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "patient_control_number", name="uq_claim_refs_pcn"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_control_number: Mapped[str] = mapped_column(String(38))
    clinic_id: Mapped[str] = mapped_column(String(36))
    payer_id: Mapped[str] = mapped_column(String(80))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class RemittanceFile(TenantMixin, TimestampMixin, Base):
    """One received 835 file, whatever became of it."""

    __tablename__ = "remittance_files"
    __table_args__ = (Index("ix_remittance_files_state", "state", "updated_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # received (stored, not yet posted), posted, duplicate (every transaction already
    # posted), rejected (unbalanced, policy reject), quarantined (malformed, or unbalanced
    # with policy quarantine)
    state: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(12))  # api, folder
    file_name: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    remittance_count: Mapped[int] = mapped_column(Integer, default=0)


class RemittanceFileChunk(Base):
    __tablename__ = "remittance_file_chunks"

    file_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("remittance_files.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Remittance(TenantMixin, TimestampMixin, Base):
    """One posted 835 transaction: the payment (BPR), its trace (TRN) and its totals."""

    __tablename__ = "remittances"
    __table_args__ = (
        # the same ERA is posted once: payer + trace number + amount
        UniqueConstraint(
            "tenant_id", "payer_key", "trace_number", "payment_amount", name="uq_remittances_era"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(36), ForeignKey("remittance_files.id"))
    payer_key: Mapped[str] = mapped_column(String(80))  # payer id, else the payer's name
    payer_id: Mapped[str | None] = mapped_column(String(80))
    payer_name: Mapped[str | None] = mapped_column(String(80))
    trace_number: Mapped[str] = mapped_column(String(50))
    payer_trace_id: Mapped[str | None] = mapped_column(String(50))
    payment_amount: Mapped[Decimal] = mapped_column(Money)
    credit_debit: Mapped[str] = mapped_column(String(1))
    payment_method: Mapped[str] = mapped_column(String(3))
    handling_code: Mapped[str] = mapped_column(String(2))
    payment_date: Mapped[date | None] = mapped_column(Date)
    production_date: Mapped[date | None] = mapped_column(Date)
    payee_npi: Mapped[str | None] = mapped_column(String(10))
    transaction_control: Mapped[str] = mapped_column(String(9))
    claim_count: Mapped[int] = mapped_column(Integer, default=0)
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    unmatched_count: Mapped[int] = mapped_column(Integer, default=0)
    total_claim_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_plb: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    warnings: Mapped[list[str]] = mapped_column(JSONB, default=list)


class ClaimPaymentRow(Base):
    """One CLP loop: posted to its claim, or waiting in the unmatched queue.

    Written by COPY thousands at a time, so it carries no index it does not need (every
    query leads with tenant_id in a composite one) and its documents are JSON, not JSONB:
    they are only ever read whole, and JSON is stored as sent instead of being parsed
    into binary form.
    """

    __tablename__ = "claim_payments"
    __table_args__ = (
        Index("ix_claim_payments_claim", "tenant_id", "claim_id"),
        Index("ix_claim_payments_pcn", "tenant_id", "patient_control_number"),
        Index("ix_claim_payments_remittance", "remittance_id", "seq"),
        Index(
            "ix_claim_payments_unmatched",
            "tenant_id",
            "created_at",
            postgresql_where="state = 'unmatched'",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    remittance_id: Mapped[str] = mapped_column(String(36), ForeignKey("remittances.id"))
    seq: Mapped[int] = mapped_column(Integer)  # order in the transaction
    segment_number: Mapped[int] = mapped_column(Integer)  # of the CLP in the file
    state: Mapped[str] = mapped_column(String(10))  # posted, unmatched, reversed
    claim_id: Mapped[str | None] = mapped_column(String(36))
    clinic_id: Mapped[str | None] = mapped_column(String(36))
    patient_control_number: Mapped[str] = mapped_column(String(38))
    status_code: Mapped[str] = mapped_column(String(2))
    charge: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    patient_responsibility: Mapped[Decimal] = mapped_column(Money)
    payer_claim_control_number: Mapped[str | None] = mapped_column(String(50))
    filing_indicator: Mapped[str | None] = mapped_column(String(2))
    facility_type: Mapped[str | None] = mapped_column(String(2))
    frequency: Mapped[str | None] = mapped_column(String(1))
    crossover_payer: Mapped[str | None] = mapped_column(String(60))
    rendering_npi: Mapped[str | None] = mapped_column(String(10))
    is_reversal: Mapped[bool] = mapped_column(Boolean)
    reversed_payment_id: Mapped[str | None] = mapped_column(String(36))
    reversed_by_payment_id: Mapped[str | None] = mapped_column(String(36))
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    remark_codes: Mapped[list[str]] = mapped_column(JSON)
    dates: Mapped[dict[str, str]] = mapped_column(JSON)
    amounts: Mapped[dict[str, str]] = mapped_column(JSON)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    matched_by: Mapped[str | None] = mapped_column(String(120))  # who matched it by hand
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProviderAdjustmentRow(TenantMixin, Base):
    """One PLB adjustment pair of a remittance."""

    __tablename__ = "provider_adjustments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    remittance_id: Mapped[str] = mapped_column(String(36), ForeignKey("remittances.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order in the PLB segments
    provider_id: Mapped[str] = mapped_column(String(50))
    fiscal_period_date: Mapped[date] = mapped_column(Date)
    reason_code: Mapped[str] = mapped_column(String(2))
    reference: Mapped[str | None] = mapped_column(String(50))
    amount: Mapped[Decimal] = mapped_column(Money)
