"""Use cases: load, apply the domain, store, stage the events. Never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.domain import clinics as rules
from rcm_claims.models import Clinic
from rcm_claims.repository import ClinicRepository
from rcm_claims.schemas import ClinicIn
from rcm_shared.auth import Principal
from rcm_shared.errors import Conflict, NotFound
from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.messaging import outbox

SOURCE = "/rcm/claims"


async def _publish(session: AsyncSession, principal: Principal, payload: EventPayload) -> None:
    await outbox.add(session, new_event(payload, tenant_id=principal.tenant_id, source=SOURCE))


def _details(data: ClinicIn) -> rules.ClinicDetails:
    return rules.ClinicDetails(
        name=data.name,
        npi=data.npi,
        tax_id=data.tax_id,
        taxonomy_code=data.taxonomy_code,
        address=data.address,
    )


async def register_clinic(session: AsyncSession, principal: Principal, data: ClinicIn) -> Clinic:
    repo = ClinicRepository(session, principal.tenant_id)
    if await repo.by_npi(data.npi):
        raise Conflict("a clinic with this NPI exists", [{"path": "body.npi"}])
    event = rules.registered(str(uuid.uuid4()), _details(data))
    clinic = Clinic(
        id=event.clinic_id,
        tenant_id=principal.tenant_id,
        version=event.version,
        address=data.address.model_dump(),
        **data.model_dump(exclude={"address"}),
    )
    await repo.add(clinic)
    await _publish(session, principal, event)
    return clinic


async def update_clinic(
    session: AsyncSession, principal: Principal, clinic_id: str, data: ClinicIn
) -> Clinic:
    clinic = await get_clinic(session, principal, clinic_id, for_update=True)
    other = await ClinicRepository(session, principal.tenant_id).by_npi(data.npi)
    if other is not None and other.id != clinic.id:
        raise Conflict("a clinic with this NPI exists", [{"path": "body.npi"}])
    event = rules.updated(clinic.id, clinic.version, _details(data))
    for key, value in data.model_dump(exclude={"address"}).items():
        setattr(clinic, key, value)
    clinic.address = data.address.model_dump()
    clinic.version = event.version
    await session.flush()
    await _publish(session, principal, event)
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
    repo = ClinicRepository(session, principal.tenant_id)
    rows = list(await repo.page(after, limit + 1, principal.clinic_ids))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
