"""The clinic copy a statement's letterhead needs, from rcm.reference. A copy only moves
forward in version."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_patients.repository import ReferenceRepository
from rcm_shared.events.reference import ClinicRegistered, ClinicUpdated


async def record_clinic(
    session: AsyncSession, tenant_id: str, clinic: ClinicRegistered | ClinicUpdated
) -> bool:
    repo = ReferenceRepository(session, tenant_id)
    stored = await repo.clinic(clinic.clinic_id, for_update=True)
    if stored is not None and stored.version >= clinic.version:
        return False
    await repo.upsert_clinic(
        {
            "clinic_id": clinic.clinic_id,
            "name": clinic.name,
            "npi": clinic.npi,
            "address": clinic.address.model_dump(),
            "pay_to_address": clinic.pay_to_address.model_dump() if clinic.pay_to_address else None,
            "version": clinic.version,
        }
    )
    return True
