from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rcm_shared.db import TenantMixin, TimestampMixin, new_metadata


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
