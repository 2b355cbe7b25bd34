"""Clinics (billing providers), rendering/referring providers and payers."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.domain import clinics as clinic_rules
from rcm_claims.models import Clinic, Payer, Provider
from rcm_claims.repository import ClinicRepository, PayerRepository, ProviderRepository
from rcm_claims.schemas import ClinicIn, PayerIn, ProviderIn
from rcm_claims.service.common import publish
from rcm_shared.auth import Principal
from rcm_shared.errors import Conflict, InvalidInput, NotFound
from rcm_shared.events.reference import (
    PayerRegistered,
    PayerUpdated,
    ProviderRegistered,
    ProviderUpdated,
)
from rcm_shared.npi import is_valid_npi


def _details(data: ClinicIn) -> clinic_rules.ClinicDetails:
    return clinic_rules.ClinicDetails(
        name=data.name,
        npi=data.npi,
        tax_id=data.tax_id,
        taxonomy_code=data.taxonomy_code,
        address=data.address,
        pay_to_address=data.pay_to_address,
    )


async def register_clinic(session: AsyncSession, principal: Principal, data: ClinicIn) -> Clinic:
    repo = ClinicRepository(session, principal.tenant_id)
    if await repo.by_npi(data.npi):
        raise Conflict("a clinic with this NPI exists", [{"path": "body.npi"}])
    event = clinic_rules.registered(str(uuid.uuid4()), _details(data))
    clinic = Clinic(
        id=event.clinic_id,
        tenant_id=principal.tenant_id,
        version=event.version,
        address=data.address.model_dump(),
        pay_to_address=data.pay_to_address.model_dump() if data.pay_to_address else None,
        **data.model_dump(exclude={"address", "pay_to_address"}),
    )
    await repo.add(clinic)
    await publish(session, principal.tenant_id, event)
    return clinic


async def update_clinic(
    session: AsyncSession, principal: Principal, clinic_id: str, data: ClinicIn
) -> Clinic:
    clinic = await get_clinic(session, principal, clinic_id, for_update=True)
    other = await ClinicRepository(session, principal.tenant_id).by_npi(data.npi)
    if other is not None and other.id != clinic.id:
        raise Conflict("a clinic with this NPI exists", [{"path": "body.npi"}])
    event = clinic_rules.updated(clinic.id, clinic.version, _details(data))
    for key, value in data.model_dump(exclude={"address", "pay_to_address"}).items():
        setattr(clinic, key, value)
    clinic.address = data.address.model_dump()
    clinic.pay_to_address = data.pay_to_address.model_dump() if data.pay_to_address else None
    clinic.version = event.version
    await session.flush()
    await publish(session, principal.tenant_id, event)
    return clinic


async def get_clinic(
    session: AsyncSession, principal: Principal, clinic_id: str, for_update: bool = False
) -> Clinic:
    clinic = await ClinicRepository(session, principal.tenant_id).get(clinic_id, for_update)
    # Another tenant's clinic, or one this token may not see, does not exist for the caller.
    if clinic is None or not principal.may_see_clinic(clinic.id):
        raise NotFound("clinic not found")
    return clinic


async def list_clinics(
    session: AsyncSession, principal: Principal, after: str | None, limit: int
) -> tuple[list[Clinic], str | None]:
    rows = list(
        await ClinicRepository(session, principal.tenant_id).page(
            after, limit + 1, principal.clinic_ids
        )
    )
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def _check_npi(npi: str) -> None:
    if not is_valid_npi(npi):
        raise InvalidInput(
            "provider details are invalid",
            [
                {
                    "path": "body.npi",
                    "message": "NPI check digit is wrong",
                    "type": "npi_check_digit",
                }
            ],
        )


async def register_provider(
    session: AsyncSession, principal: Principal, data: ProviderIn
) -> Provider:
    _check_npi(data.npi)
    repo = ProviderRepository(session, principal.tenant_id)
    if await repo.by_npi(data.npi):
        raise Conflict("a provider with this NPI exists", [{"path": "body.npi"}])
    provider = Provider(
        id=str(uuid.uuid4()), tenant_id=principal.tenant_id, version=1, **data.model_dump()
    )
    await repo.add(provider)
    await publish(
        session,
        principal.tenant_id,
        ProviderRegistered(provider_id=provider.id, version=1, **data.model_dump()),
    )
    return provider


async def update_provider(
    session: AsyncSession, principal: Principal, provider_id: str, data: ProviderIn
) -> Provider:
    _check_npi(data.npi)
    repo = ProviderRepository(session, principal.tenant_id)
    provider = await get_provider(session, principal, provider_id, for_update=True)
    other = await repo.by_npi(data.npi)
    if other is not None and other.id != provider.id:
        raise Conflict("a provider with this NPI exists", [{"path": "body.npi"}])
    for key, value in data.model_dump().items():
        setattr(provider, key, value)
    provider.version += 1
    await session.flush()
    await publish(
        session,
        principal.tenant_id,
        ProviderUpdated(provider_id=provider.id, version=provider.version, **data.model_dump()),
    )
    return provider


async def get_provider(
    session: AsyncSession, principal: Principal, provider_id: str, for_update: bool = False
) -> Provider:
    provider = await ProviderRepository(session, principal.tenant_id).get(provider_id, for_update)
    if provider is None:
        raise NotFound("provider not found")
    return provider


async def list_providers(
    session: AsyncSession, principal: Principal, after: str | None, limit: int
) -> tuple[list[Provider], str | None]:
    rows = list(await ProviderRepository(session, principal.tenant_id).page(after, limit + 1))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


async def register_payer(session: AsyncSession, principal: Principal, data: PayerIn) -> Payer:
    repo = PayerRepository(session, principal.tenant_id)
    if await repo.get(data.payer_id):
        raise Conflict("this payer id exists", [{"path": "body.payer_id"}])
    payer = Payer(
        id=str(uuid.uuid4()), tenant_id=principal.tenant_id, version=1, **data.model_dump()
    )
    await repo.add(payer)
    await publish(session, principal.tenant_id, PayerRegistered(version=1, **data.model_dump()))
    return payer


async def update_payer(
    session: AsyncSession, principal: Principal, payer_id: str, data: PayerIn
) -> Payer:
    if data.payer_id != payer_id:
        raise InvalidInput(
            "the payer id cannot change",
            [{"path": "body.payer_id", "message": "must equal the id in the URL"}],
        )
    payer = await get_payer(session, principal, payer_id, for_update=True)
    for key, value in data.model_dump().items():
        setattr(payer, key, value)
    payer.version += 1
    await session.flush()
    await publish(
        session, principal.tenant_id, PayerUpdated(version=payer.version, **data.model_dump())
    )
    return payer


async def get_payer(
    session: AsyncSession, principal: Principal, payer_id: str, for_update: bool = False
) -> Payer:
    payer = await PayerRepository(session, principal.tenant_id).get(payer_id, for_update)
    if payer is None:
        raise NotFound("payer not found")
    return payer


async def list_payers(
    session: AsyncSession, principal: Principal, after: str | None, limit: int
) -> tuple[list[Payer], str | None]:
    rows = list(await PayerRepository(session, principal.tenant_id).page(after, limit + 1))
    return rows[:limit], (rows[limit - 1].payer_id if len(rows) > limit else None)
