from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rcm_shared.db import TenantMixin, TimestampMixin, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
    # Server-made values come back with RETURNING: an expired attribute would need a lazy
    # load, which async sessions forbid.
    __mapper_args__ = {"eager_defaults": True}


class EligibilityCheck(TenantMixin, TimestampMixin, Base):
    """One question to a payer and its answer. `request` holds PHI (names, birth dates,
    member id); identifiers and statuses are columns for queries."""

    __tablename__ = "eligibility_checks"
    __table_args__ = (
        Index("ix_checks_cache", "tenant_id", "cache_key", "completed_at"),
        Index("ix_checks_batch", "batch_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    batch_id: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(12))  # pending, complete, error
    patient_key: Mapped[str] = mapped_column(String(32))
    payer_id: Mapped[str] = mapped_column(String(80))
    service_date: Mapped[date] = mapped_column(Date)
    cache_key: Mapped[str] = mapped_column(String(64))
    coverage_status: Mapped[str | None] = mapped_column(String(12))  # active/inactive/unknown
    retryable: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    x12_270: Mapped[str | None] = mapped_column(Text)
    x12_271: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Coverage(TenantMixin, Base):
    """Latest coverage per patient and payer (the read model), from completed checks."""

    __tablename__ = "coverages"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    check_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12))
    answer: Mapped[dict[str, Any]] = mapped_column(JSONB)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EligibilityBatch(TenantMixin, TimestampMixin, Base):
    __tablename__ = "eligibility_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    total: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # running, complete
