from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims import service
from rcm_claims.models import Clinic
from rcm_claims.schemas import ClinicIn, ClinicOut, ClinicPage
from rcm_shared.auth import Principal, requires
from rcm_shared.runtime import db_session

router = APIRouter(prefix="/v1", tags=["clinics"])
Session = Annotated[AsyncSession, Depends(db_session)]
Reader = Annotated[Principal, Depends(requires("claims:read"))]
Writer = Annotated[Principal, Depends(requires("claims:write"))]


def _out(clinic: Clinic) -> ClinicOut:
    return ClinicOut.model_validate(
        {
            "id": clinic.id,
            "version": clinic.version,
            "name": clinic.name,
            "npi": clinic.npi,
            "tax_id": clinic.tax_id,
            "taxonomy_code": clinic.taxonomy_code,
            "address": clinic.address,
        }
    )


@router.post("/clinics", status_code=status.HTTP_201_CREATED, response_model=ClinicOut)
async def register_clinic(body: ClinicIn, session: Session, principal: Writer) -> ClinicOut:
    return _out(await service.register_clinic(session, principal, body))


@router.get("/clinics/{clinic_id}", response_model=ClinicOut)
async def get_clinic(clinic_id: str, session: Session, principal: Reader) -> ClinicOut:
    return _out(await service.get_clinic(session, principal, clinic_id))


@router.put("/clinics/{clinic_id}", response_model=ClinicOut)
async def update_clinic(
    clinic_id: str, body: ClinicIn, session: Session, principal: Writer
) -> ClinicOut:
    return _out(await service.update_clinic(session, principal, clinic_id, body))


@router.get("/clinics", response_model=ClinicPage)
async def list_clinics(
    session: Session,
    principal: Reader,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ClinicPage:
    rows, next_cursor = await service.list_clinics(session, principal, cursor, limit)
    return ClinicPage(items=[_out(c) for c in rows], next_cursor=next_cursor)
