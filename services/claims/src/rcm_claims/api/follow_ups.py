"""Claim status follow-up: the aging A/R work list and asking a payer about a claim now."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import PlainTextResponse

from rcm_claims.api.deps import Reader, Session, Writer
from rcm_claims.models import StatusCheck
from rcm_claims.repository import FollowUpRepository
from rcm_claims.schemas import (
    FollowUpItem,
    FollowUpList,
    FollowUpOut,
    LastStatus,
    StatusCheckOut,
)
from rcm_claims.service import status_checks
from rcm_claims.service.claims import ClaimService, now
from rcm_shared.errors import NotFound

router = APIRouter(prefix="/v1", tags=["follow-ups"])


def check_out(check: StatusCheck) -> StatusCheckOut:
    return StatusCheckOut(
        id=check.id,
        claim_id=check.claim_id,
        asked_at=check.asked_at,
        answered_at=check.answered_at,
        outcome=check.outcome,
        category=check.category,
        status_code=check.status_code,
        error=check.error,
    )


@router.post(
    "/claims/{claim_id}/status-checks",
    status_code=status.HTTP_201_CREATED,
    response_model=StatusCheckOut,
    summary="Ask the payer about the claim now (276 out, 277 in)",
)
async def ask_now(
    claim_id: str, request: Request, session: Session, principal: Writer
) -> StatusCheckOut:
    svc = ClaimService(
        session, principal.tenant_id, actor=principal.subject, clinics=principal.clinic_ids
    )
    check = await status_checks.ask_now(session, request.app.state.settings, svc, claim_id)
    return check_out(check)


@router.get(
    "/claims/{claim_id}/status-checks",
    response_model=list[StatusCheckOut],
    summary="The claim's status inquiries and answers, newest first",
)
async def list_checks(claim_id: str, session: Session, principal: Reader) -> list[StatusCheckOut]:
    svc = ClaimService(
        session, principal.tenant_id, actor=principal.subject, clinics=principal.clinic_ids
    )
    await svc.get(claim_id)  # 404 for a claim the caller may not see
    repo = FollowUpRepository(session, principal.tenant_id)
    return [check_out(c) for c in await repo.checks_of(claim_id)]


@router.get(
    "/status-checks/{check_id}/{kind}",
    response_class=PlainTextResponse,
    summary="The 276 that went out, or the 277 that came back, as X12",
)
async def status_check_x12(
    check_id: str, kind: Literal["276", "277"], session: Session, principal: Reader
) -> PlainTextResponse:
    check = await FollowUpRepository(session, principal.tenant_id).check(check_id)
    if check is None:
        raise NotFound("status check not found")
    svc = ClaimService(
        session, principal.tenant_id, actor=principal.subject, clinics=principal.clinic_ids
    )
    await svc.get(check.claim_id)  # 404 for a claim outside the caller's clinics
    text = check.x276 if kind == "276" else check.x277
    if text is None:
        raise NotFound("the payer sent no 277 for this inquiry")
    return PlainTextResponse(text, media_type="application/edi-x12")


@router.get(
    "/follow-ups",
    response_model=FollowUpList,
    summary="Aging A/R: claims past their payer's days without an 835, most dollars first",
)
async def follow_ups(
    session: Session,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FollowUpList:
    repo = FollowUpRepository(session, principal.tenant_id)
    rows = await repo.work_list(now(), limit, principal.clinic_ids)
    items = await repo.open_items([row.Claim.id for row in rows])
    by_claim: dict[str, list[FollowUpItem]] = {}
    for item in items:
        by_claim.setdefault(item.claim_id, []).append(
            FollowUpItem(id=item.id, reason=item.reason, opened_at=item.opened_at)
        )
    out = []
    for row in rows:
        claim = row.Claim
        assert claim.submitted_at is not None
        last = (
            LastStatus(
                outcome=claim.last_status_outcome,
                code=claim.last_status_code,
                at=claim.last_status_at,
            )
            if claim.last_status_outcome and claim.last_status_at
            else None
        )
        out.append(
            FollowUpOut(
                claim_id=claim.id,
                patient_control_number=claim.patient_control_number,
                clinic_id=claim.clinic_id,
                payer_id=claim.payer_id,
                status=claim.status,
                total_charge=claim.total_charge,
                balance=claim.total_charge - claim.paid_amount,
                submitted_at=claim.submitted_at,
                days_waiting=int(Decimal(str(row.days_waiting))),
                expected_days=row.expected_days,
                last_status=last,
                open_items=by_claim.get(claim.id, []),
            )
        )
    return FollowUpList(items=out)
