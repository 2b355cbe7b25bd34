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
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rcm_shared.db import TenantMixin, TimestampMixin, new_metadata

MONEY = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = new_metadata()
    # Server-made values come back with RETURNING: an expired attribute would need a lazy
    # load, which async sessions forbid.
    __mapper_args__ = {"eager_defaults": True}


class Clinic(TenantMixin, TimestampMixin, Base):
    """A billing provider of the tenant (NPI, TIN, taxonomy, address)."""

    __tablename__ = "clinics"
    __table_args__ = (UniqueConstraint("tenant_id", "npi"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str] = mapped_column(String(10))
    tax_id: Mapped[str] = mapped_column(String(9))
    taxonomy_code: Mapped[str] = mapped_column(String(10))
    address: Mapped[dict[str, str]] = mapped_column(JSONB)
    pay_to_address: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)


class Provider(TenantMixin, TimestampMixin, Base):
    """A rendering or referring provider (a person with an NPI)."""

    __tablename__ = "providers"
    __table_args__ = (UniqueConstraint("tenant_id", "npi"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    npi: Mapped[str] = mapped_column(String(10))
    first_name: Mapped[str] = mapped_column(String(35))
    last_name: Mapped[str] = mapped_column(String(60))
    taxonomy_code: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)


class Payer(TenantMixin, TimestampMixin, Base):
    __tablename__ = "payers"
    __table_args__ = (UniqueConstraint("tenant_id", "payer_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(60))
    claim_filing_indicator: Mapped[str] = mapped_column(String(2))
    timely_filing_days: Mapped[int] = mapped_column(Integer)
    appeal_window_days: Mapped[int] = mapped_column(Integer)
    prior_auth_procedures: Mapped[list[str]] = mapped_column(JSONB)
    # days after submission without an 835 before the payer is asked (276) about a claim
    claim_status_after_days: Mapped[int] = mapped_column(Integer, server_default="30")
    version: Mapped[int] = mapped_column(Integer)


# Claims, their lines and history are the tables intake writes on every claim. Each index
# is paid for on every insert, so they keep only the ones their queries use: every query
# names the tenant, and each has a composite index that leads with it.


class Claim(TenantMixin, TimestampMixin, Base):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("tenant_id", "patient_control_number"),
        Index("ix_claims_tenant_status", "tenant_id", "status"),
        Index("ix_claims_tenant_created", "tenant_id", "created_at", "id"),
        # the duplicate check's lookup: a patient's claims within the tenant
        Index("ix_claims_tenant_patient", "tenant_id", "patient_key"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_control_number: Mapped[str] = mapped_column(String(20))
    clinic_id: Mapped[str] = mapped_column(String(36), index=True)
    payer_id: Mapped[str] = mapped_column(String(80))
    rendering_provider_id: Mapped[str | None] = mapped_column(String(36))
    patient_key: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    frequency_code: Mapped[str] = mapped_column(String(1))
    original_claim_id: Mapped[str | None] = mapped_column(String(36))
    replaced_by_claim_id: Mapped[str | None] = mapped_column(String(36))
    # COB: P, S or T (SBR01), and the claims of the payers before and after this one
    payer_responsibility: Mapped[str] = mapped_column(String(1), server_default="P")
    prior_claim_id: Mapped[str | None] = mapped_column(String(36))
    next_claim_id: Mapped[str | None] = mapped_column(String(36))
    # the payer's last answer to a claim status inquiry (277): outcome and STC01-1:01-2
    last_status_outcome: Mapped[str | None] = mapped_column(String(24))
    last_status_code: Mapped[str | None] = mapped_column(String(12))
    last_status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payer_claim_control_number: Mapped[str | None] = mapped_column(String(50))
    total_charge: Mapped[Decimal] = mapped_column(MONEY)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    patient_responsibility: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    service_date_from: Mapped[date] = mapped_column(Date)
    service_date_to: Mapped[date] = mapped_column(Date)
    first_pass_clean: Mapped[bool | None] = mapped_column(Boolean)
    edits: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    rejection_reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the ClaimData, PHI included
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_acceptance: Mapped[bool | None] = mapped_column(Boolean)
    adjudicated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_adjudication: Mapped[str | None] = mapped_column(String(20))  # for the denial rate
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class ClaimLine(TenantMixin, Base):
    """Lines as rows, for duplicate detection and reporting by procedure."""

    __tablename__ = "claim_lines"

    tenant_id: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    line_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(5))
    modifiers: Mapped[str] = mapped_column(String(11))
    charge: Mapped[Decimal] = mapped_column(MONEY)
    service_date: Mapped[date] = mapped_column(Date)


class ClaimHistory(TenantMixin, Base):
    __tablename__ = "claim_history"

    tenant_id: Mapped[str] = mapped_column(String(64))
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    event_type: Mapped[str] = mapped_column(String(80))
    actor: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class IdempotencyRecord(TenantMixin, Base):
    """The rows rcm_shared.idempotency reads and writes (created by migration 0001)."""

    __tablename__ = "idempotency_keys"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Submission(TenantMixin, TimestampMixin, Base):
    """One 837P interchange and its delivery to the clearinghouse."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    delivery_status: Mapped[str] = mapped_column(String(12))  # pending, sent, failed
    connector: Mapped[str] = mapped_column(String(20))
    interchange_control_number: Mapped[str] = mapped_column(String(9), unique=True)
    group_control_number: Mapped[str] = mapped_column(String(9))
    claim_count: Mapped[int] = mapped_column(Integer)
    total_charge: Mapped[Decimal] = mapped_column(MONEY)
    x12: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SubmissionClaim(TenantMixin, Base):
    __tablename__ = "submission_claims"

    submission_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    transaction_control_number: Mapped[str] = mapped_column(String(9))


class Acknowledgment(TenantMixin, Base):
    """A 999 or 277CA as received; the raw file is kept whether it parsed or not."""

    __tablename__ = "acknowledgments"
    __table_args__ = (UniqueConstraint("tenant_id", "sha256"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))  # the same file twice is applied once
    kind: Mapped[str] = mapped_column(String(8))  # 999, 277CA, unknown
    status: Mapped[str] = mapped_column(String(12))  # processed, invalid
    source: Mapped[str] = mapped_column(String(12))  # api, folder
    file_name: Mapped[str | None] = mapped_column(String(255))
    raw: Mapped[str] = mapped_column(Text)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Coverage(TenantMixin, Base):
    """Latest coverage per patient and payer, from eligibility events (a read model)."""

    __tablename__ = "coverages"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    coverage_start: Mapped[date | None] = mapped_column(Date)
    coverage_end: Mapped[date | None] = mapped_column(Date)
    service_date: Mapped[date] = mapped_column(Date)
    check_id: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StatusCheck(TenantMixin, Base):
    """One claim's 276 inquiry and its 277 answer."""

    __tablename__ = "claim_status_checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36), index=True)
    trace: Mapped[str] = mapped_column(String(50))  # TRN02, echoed by the 277
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(24))  # domain/claim_status.Outcome
    category: Mapped[str | None] = mapped_column(String(4))  # STC01-1
    status_code: Mapped[str | None] = mapped_column(String(8))  # STC01-2
    error: Mapped[str | None] = mapped_column(Text)  # why no answer came
    x276: Mapped[str] = mapped_column(Text)
    x277: Mapped[str | None] = mapped_column(Text)


class FollowUp(TenantMixin, Base):
    """An aging claim that needs a person: the payer cannot find it, wants more
    information, or sent it back. One open item per claim and reason."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index(
            "uq_follow_ups_open",
            "tenant_id",
            "claim_id",
            "reason",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(24))  # the status outcome that opened it
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
