"""Copies of other services' facts: clinics, payers, providers (rcm.reference) and claims
(rcm.claims). Each copy only moves forward in version; claim facts are written once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials.domain.clinic_directory import should_apply
from rcm_denials.models import DenialHistory
from rcm_denials.repository import DenialRepository, IngestRepository, ReferenceRepository
from rcm_denials.service.common import now
from rcm_shared.events.claims import ClaimCorrected, ClaimCreated
from rcm_shared.events.reference import (
    ClinicRegistered,
    ClinicUpdated,
    PayerRegistered,
    PayerUpdated,
    ProviderRegistered,
    ProviderUpdated,
)
from rcm_shared.messaging.consumer import PermanentError


class UnknownTenant(PermanentError):
    """A payment for a tenant this service has no reference data for (no clinic, no payer):
    misrouted or forged. Straight to the DLQ (retrying cannot help, and retrying a flood of
    them would stall the partition); replayable once the tenant's reference data is in."""


async def ensure_known_tenants(session: AsyncSession, tenants: set[str]) -> None:
    unknown = tenants - await IngestRepository(session).known_tenants(tenants)
    if unknown:
        # the tenant id is an identifier, never PHI: fit for the DLQ header
        raise UnknownTenant(f"unknown tenant {sorted(unknown)[0]}")


async def record_clinic(
    session: AsyncSession, tenant_id: str, clinic: ClinicRegistered | ClinicUpdated
) -> bool:
    repo = ReferenceRepository(session, tenant_id)
    stored = await repo.clinic(clinic.clinic_id, for_update=True)
    if not should_apply(stored.version if stored else None, clinic.version):
        return False
    await repo.upsert_clinic(clinic.clinic_id, clinic.name, clinic.npi, clinic.version)
    return True


async def record_payer(
    session: AsyncSession, tenant_id: str, payer: PayerRegistered | PayerUpdated
) -> bool:
    repo = ReferenceRepository(session, tenant_id)
    stored = await repo.payer(payer.payer_id, for_update=True)
    if not should_apply(stored.version if stored else None, payer.version):
        return False
    await repo.upsert_payer(
        {
            "payer_id": payer.payer_id,
            "name": payer.name,
            "appeal_window_days": payer.appeal_window_days,
            "version": payer.version,
        }
    )
    if stored is None or stored.appeal_window_days != payer.appeal_window_days:
        await repo.move_deadlines(payer.payer_id, payer.appeal_window_days)
    return True


async def record_provider(
    session: AsyncSession, tenant_id: str, provider: ProviderRegistered | ProviderUpdated
) -> bool:
    repo = ReferenceRepository(session, tenant_id)
    stored = await repo.provider(provider.provider_id, for_update=True)
    if not should_apply(stored.version if stored else None, provider.version):
        return False
    await repo.upsert_provider(
        {
            "provider_id": provider.provider_id,
            "npi": provider.npi,
            "first_name": provider.first_name,
            "last_name": provider.last_name,
            "version": provider.version,
        }
    )
    return True


async def record_claim_created(session: AsyncSession, tenant_id: str, claim: ClaimCreated) -> None:
    # No tenant check: the claims service only creates claims for tenants it serves, and a
    # claim can precede its clinic here (another topic); the copy harms no one.
    repo = ReferenceRepository(session, tenant_id)
    await repo.add_claim_fact(
        {
            "claim_id": claim.claim_id,
            "patient_control_number": claim.patient_control_number,
            "clinic_id": claim.clinic_id,
            "payer_id": claim.payer_id,
            "rendering_provider_id": claim.rendering_provider_id,
            "frequency_code": claim.frequency_code,
            "original_claim_id": claim.original_claim_id,
            "total_charge": claim.total_charge,
            "service_date_from": claim.service_date_from,
            "service_date_to": claim.service_date_to,
            "diagnosis_codes": claim.diagnosis_codes,
            "lines": [line.model_dump(mode="json") for line in claim.lines],
            "created_at": claim.occurred_at,
        }
    )
    if claim.original_claim_id and claim.frequency_code == "7":
        await repo.link(claim.claim_id, claim.original_claim_id, None)


async def record_claim_corrected(
    session: AsyncSession, tenant_id: str, corrected: ClaimCorrected
) -> None:
    """Links the replacement to the original, so that paying the replacement resolves the
    original's denial."""
    repo = ReferenceRepository(session, tenant_id)
    await repo.link(corrected.replacement_claim_id, corrected.claim_id, corrected.denial_id)
    if corrected.denial_id:
        denial = await DenialRepository(session, tenant_id).get(corrected.denial_id)
        if denial is not None:
            await DenialRepository(session, tenant_id).add(
                DenialHistory(
                    tenant_id=tenant_id,
                    denial_id=denial.id,
                    at=now(),
                    actor="claims",
                    action="corrected_claim_created",
                    from_status=denial.status,
                    to_status=denial.status,
                    detail={"replacement_claim_id": corrected.replacement_claim_id},
                )
            )
