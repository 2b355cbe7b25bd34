"""Every query of the denials service; each one filters by tenant."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials.models import ClinicDirectoryEntry


class ClinicDirectoryRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, clinic_id: str, for_update: bool = False) -> ClinicDirectoryEntry | None:
        stmt = select(ClinicDirectoryEntry).where(
            ClinicDirectoryEntry.tenant_id == self.tenant_id,
            ClinicDirectoryEntry.clinic_id == clinic_id,
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def all(self) -> Sequence[ClinicDirectoryEntry]:
        stmt = (
            select(ClinicDirectoryEntry)
            .where(ClinicDirectoryEntry.tenant_id == self.tenant_id)
            .order_by(ClinicDirectoryEntry.clinic_id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def upsert(self, clinic_id: str, name: str, npi: str, version: int) -> None:
        stmt = insert(ClinicDirectoryEntry).values(
            tenant_id=self.tenant_id, clinic_id=clinic_id, name=name, npi=npi, version=version
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "clinic_id"],
                set_={"name": name, "npi": npi, "version": version},
            )
        )
