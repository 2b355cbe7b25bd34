from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse

from rcm_eligibility.models import EligibilityCheck
from rcm_eligibility.repository import CheckRepository
from rcm_eligibility.schemas import (
    BatchIn,
    BatchOut,
    CheckIn,
    CheckOut,
    CoverageOut,
    CoverageQuery,
)
from rcm_eligibility.service import checks as svc
from rcm_shared.auth import Principal, requires
from rcm_shared.errors import NotFound
from rcm_shared.identity import patient_key
from rcm_shared.runtime import Session

router = APIRouter(prefix="/v1/eligibility", tags=["eligibility"])
Reader = Annotated[Principal, Depends(requires("eligibility:read"))]
Writer = Annotated[Principal, Depends(requires("eligibility:write"))]


def check_out(check: EligibilityCheck, from_cache: bool = False) -> CheckOut:
    return CheckOut(
        id=check.id,
        state=check.state,
        coverage_status=check.coverage_status,
        retryable=check.retryable,
        error=check.error,
        answer=check.answer,
        other_coverage_found=bool((check.answer or {}).get("other_payers")),
        from_cache=from_cache,
        batch_id=check.batch_id,
        payer_id=check.payer_id,
        service_date=check.service_date,
        created_at=check.created_at,
        completed_at=check.completed_at,
    )


@router.post(
    "/checks",
    response_model=CheckOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "a stored answer inside the cache window"}},
)
async def create_check(
    body: CheckIn, request: Request, principal: Writer, force: bool = False
) -> JSONResponse:
    """Asks the payer now (a 270 out, a 271 back) unless the same question was answered
    inside the cache window; `force=true` always asks."""
    state = request.app.state
    check, cached = await svc.check_now(
        state.runtime.sessions, principal.tenant_id, body, force, state.settings, state.payer
    )
    return JSONResponse(
        check_out(check, cached).model_dump(mode="json"), status_code=200 if cached else 201
    )


@router.get("/checks/{check_id}", response_model=CheckOut)
async def get_check(check_id: str, session: Session, principal: Reader) -> CheckOut:
    return check_out(await svc.get_check(session, principal.tenant_id, check_id))


@router.get("/checks/{check_id}/x12")
async def get_check_x12(
    check_id: str, session: Session, principal: Reader
) -> dict[str, str | None]:
    check = await svc.get_check(session, principal.tenant_id, check_id)
    return {"x12_270": check.x12_270, "x12_271": check.x12_271}


@router.post("/batches", response_model=BatchOut, status_code=status.HTTP_202_ACCEPTED)
async def create_batch(body: BatchIn, session: Session, principal: Writer) -> BatchOut:
    batch = await svc.start_batch(session, principal.tenant_id, body.checks)
    return BatchOut(
        id=batch.id,
        state=batch.state,
        total=batch.total,
        counts={"pending": batch.total},
        created_at=batch.created_at,
    )


@router.get("/batches/{batch_id}", response_model=BatchOut)
async def get_batch(
    batch_id: str,
    session: Session,
    principal: Reader,
    results: Annotated[int, Query(ge=0, le=10_000)] = 100,
) -> BatchOut:
    repo = CheckRepository(session, principal.tenant_id)
    batch = await repo.batch(batch_id)
    if batch is None:
        raise NotFound("batch not found")
    rows = await repo.batch_checks(batch.id, results) if results else []
    return BatchOut(
        id=batch.id,
        state=batch.state,
        total=batch.total,
        counts=await repo.batch_counts(batch.id),
        results=[check_out(c) for c in rows],
        created_at=batch.created_at,
    )


@router.post("/coverage/lookup", response_model=CoverageOut)
async def coverage_lookup(body: CoverageQuery, session: Session, principal: Reader) -> CoverageOut:
    """The latest coverage known for a patient and payer (the read model). A POST so that
    member id and birth date travel in the body, never in a URL or an access log."""
    key = patient_key(principal.tenant_id, body.payer_id, body.member_id, body.birth_date)
    found = await CheckRepository(session, principal.tenant_id).coverage(key, body.payer_id)
    if found is None:
        raise NotFound("no coverage on file for this patient and payer")
    return CoverageOut(
        payer_id=found.payer_id,
        status=found.status,
        check_id=found.check_id,
        checked_at=found.checked_at,
        answer=found.answer,
    )
