from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from rcm_claims.api.deps import Reader, Session, Writer
from rcm_claims.models import Clinic, Payer, Provider
from rcm_claims.schemas import (
    ClinicIn,
    ClinicOut,
    ClinicPage,
    PayerIn,
    PayerOut,
    PayerPage,
    ProviderIn,
    ProviderOut,
    ProviderPage,
)
from rcm_claims.service import reference as svc

router = APIRouter(prefix="/v1", tags=["reference data"])
Cursor = Annotated[str | None, Query(max_length=80)]
Limit = Annotated[int, Query(ge=1, le=200)]


def clinic_out(clinic: Clinic) -> ClinicOut:
    return ClinicOut.model_validate(
        {
            "id": clinic.id,
            "version": clinic.version,
            "name": clinic.name,
            "npi": clinic.npi,
            "tax_id": clinic.tax_id,
            "taxonomy_code": clinic.taxonomy_code,
            "address": clinic.address,
            "pay_to_address": clinic.pay_to_address,
        }
    )


def provider_out(p: Provider) -> ProviderOut:
    return ProviderOut(
        id=p.id,
        version=p.version,
        npi=p.npi,
        first_name=p.first_name,
        last_name=p.last_name,
        taxonomy_code=p.taxonomy_code,
    )


def payer_out(p: Payer) -> PayerOut:
    return PayerOut(
        payer_id=p.payer_id,
        name=p.name,
        version=p.version,
        claim_filing_indicator=p.claim_filing_indicator,
        timely_filing_days=p.timely_filing_days,
        appeal_window_days=p.appeal_window_days,
        prior_auth_procedures=list(p.prior_auth_procedures),
        claim_status_after_days=p.claim_status_after_days,
    )


@router.post("/clinics", status_code=status.HTTP_201_CREATED, response_model=ClinicOut)
async def register_clinic(body: ClinicIn, session: Session, principal: Writer) -> ClinicOut:
    return clinic_out(await svc.register_clinic(session, principal, body))


@router.get("/clinics/{clinic_id}", response_model=ClinicOut)
async def get_clinic(clinic_id: str, session: Session, principal: Reader) -> ClinicOut:
    return clinic_out(await svc.get_clinic(session, principal, clinic_id))


@router.put("/clinics/{clinic_id}", response_model=ClinicOut)
async def update_clinic(
    clinic_id: str, body: ClinicIn, session: Session, principal: Writer
) -> ClinicOut:
    return clinic_out(await svc.update_clinic(session, principal, clinic_id, body))


@router.get("/clinics", response_model=ClinicPage)
async def list_clinics(
    session: Session, principal: Reader, cursor: Cursor = None, limit: Limit = 50
) -> ClinicPage:
    rows, next_cursor = await svc.list_clinics(session, principal, cursor, limit)
    return ClinicPage(items=[clinic_out(c) for c in rows], next_cursor=next_cursor)


@router.post("/providers", status_code=status.HTTP_201_CREATED, response_model=ProviderOut)
async def register_provider(body: ProviderIn, session: Session, principal: Writer) -> ProviderOut:
    return provider_out(await svc.register_provider(session, principal, body))


@router.get("/providers/{provider_id}", response_model=ProviderOut)
async def get_provider(provider_id: str, session: Session, principal: Reader) -> ProviderOut:
    return provider_out(await svc.get_provider(session, principal, provider_id))


@router.put("/providers/{provider_id}", response_model=ProviderOut)
async def update_provider(
    provider_id: str, body: ProviderIn, session: Session, principal: Writer
) -> ProviderOut:
    return provider_out(await svc.update_provider(session, principal, provider_id, body))


@router.get("/providers", response_model=ProviderPage)
async def list_providers(
    session: Session, principal: Reader, cursor: Cursor = None, limit: Limit = 50
) -> ProviderPage:
    rows, next_cursor = await svc.list_providers(session, principal, cursor, limit)
    return ProviderPage(items=[provider_out(p) for p in rows], next_cursor=next_cursor)


@router.post("/payers", status_code=status.HTTP_201_CREATED, response_model=PayerOut)
async def register_payer(body: PayerIn, session: Session, principal: Writer) -> PayerOut:
    return payer_out(await svc.register_payer(session, principal, body))


@router.get("/payers/{payer_id}", response_model=PayerOut)
async def get_payer(payer_id: str, session: Session, principal: Reader) -> PayerOut:
    return payer_out(await svc.get_payer(session, principal, payer_id))


@router.put("/payers/{payer_id}", response_model=PayerOut)
async def update_payer(
    payer_id: str, body: PayerIn, session: Session, principal: Writer
) -> PayerOut:
    return payer_out(await svc.update_payer(session, principal, payer_id, body))


@router.get("/payers", response_model=PayerPage)
async def list_payers(
    session: Session, principal: Reader, cursor: Cursor = None, limit: Limit = 50
) -> PayerPage:
    rows, next_cursor = await svc.list_payers(session, principal, cursor, limit)
    return PayerPage(items=[payer_out(p) for p in rows], next_cursor=next_cursor)
