"""Every query of the claims service; each one filters by tenant."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.models import Clinic


class ClinicRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, clinic_id: str, for_update: bool = False) -> Clinic | None:
        stmt = select(Clinic).where(Clinic.tenant_id == self.tenant_id, Clinic.id == clinic_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_npi(self, npi: str) -> Clinic | None:
        stmt = select(Clinic).where(Clinic.tenant_id == self.tenant_id, Clinic.npi == npi)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self, after: str | None, limit: int, only: frozenset[str] | None
    ) -> Sequence[Clinic]:
        stmt = select(Clinic).where(Clinic.tenant_id == self.tenant_id)
        if only is not None:
            stmt = stmt.where(Clinic.id.in_(only))
        if after:
            stmt = stmt.where(Clinic.id > after)
        stmt = stmt.order_by(Clinic.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def add(self, clinic: Clinic) -> None:
        self.session.add(clinic)
        await self.session.flush()
