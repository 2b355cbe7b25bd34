"""Use cases of the denials service. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials.domain.clinic_directory import should_apply
from rcm_denials.repository import ClinicDirectoryRepository
from rcm_shared.events.reference import ClinicRegistered, ClinicUpdated


async def record_clinic(
    session: AsyncSession, tenant_id: str, clinic: ClinicRegistered | ClinicUpdated
) -> bool:
    repo = ClinicDirectoryRepository(session, tenant_id)
    stored = await repo.get(clinic.clinic_id, for_update=True)
    if not should_apply(stored.version if stored else None, clinic.version):
        return False
    await repo.upsert(clinic.clinic_id, clinic.name, clinic.npi, clinic.version)
    return True
