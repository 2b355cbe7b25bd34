"""Submissions, acknowledgments and KPIs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse

from rcm_claims.api.deps import Reader, Session, Writer
from rcm_claims.models import Acknowledgment, Submission
from rcm_claims.schemas import AcknowledgmentOut, SubmissionIn, SubmissionOut
from rcm_claims.service import acknowledgments as acks
from rcm_claims.service import submissions as subs
from rcm_claims.service.kpis import GroupBy, kpis
from rcm_shared.errors import InvalidInput, NotFound

router = APIRouter(prefix="/v1")
MAX_ACK_BYTES = 20 * 1024 * 1024
# an empty body lacks its first segment, the ISA: said the way other X12 errors are
EMPTY_X12 = {
    "path": "body",
    "message": "an X12 file is needed",
    "segment_number": 1,
    "segment_id": "ISA",
    "element_position": None,
}


def submission_out(
    s: Submission, claim_ids: list[str], skipped: list[dict[str, str]] | None = None
) -> SubmissionOut:
    return SubmissionOut(
        id=s.id,
        delivery_status=s.delivery_status,
        connector=s.connector,
        interchange_control_number=s.interchange_control_number,
        group_control_number=s.group_control_number,
        claim_count=s.claim_count,
        total_charge=s.total_charge,
        claim_ids=claim_ids,
        skipped=skipped or [],
        attempts=s.attempts,
        last_error=s.last_error,
        created_at=s.created_at,
        sent_at=s.sent_at,
    )


def ack_out(a: Acknowledgment) -> AcknowledgmentOut:
    return AcknowledgmentOut(
        id=a.id,
        kind=a.kind,
        status=a.status,
        source=a.source,
        received_at=a.received_at,
        error=a.error,
        summary=a.summary,
    )


@router.post(
    "/submissions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionOut,
    tags=["submissions"],
)
async def create_submission(
    body: SubmissionIn, request: Request, session: Session, principal: Writer
) -> SubmissionOut:
    submission, skipped = await subs.submit(session, principal, body, request.app.state.settings)
    _, claim_ids = await subs.get_submission(session, principal, submission.id)
    return submission_out(submission, claim_ids, skipped)


@router.get("/submissions/{submission_id}", response_model=SubmissionOut, tags=["submissions"])
async def get_submission(submission_id: str, session: Session, principal: Reader) -> SubmissionOut:
    return submission_out(*await subs.get_submission(session, principal, submission_id))


@router.get(
    "/submissions/{submission_id}/x12", response_class=PlainTextResponse, tags=["submissions"]
)
async def get_submission_x12(
    submission_id: str, session: Session, principal: Reader
) -> PlainTextResponse:
    submission, _ = await subs.get_submission(session, principal, submission_id)
    return PlainTextResponse(submission.x12, media_type="application/edi-x12")


@router.post(
    "/submissions/{submission_id}/retry", response_model=SubmissionOut, tags=["submissions"]
)
async def retry_submission(
    submission_id: str, session: Session, principal: Writer
) -> SubmissionOut:
    submission = await subs.retry(session, principal, submission_id)
    _, claim_ids = await subs.get_submission(session, principal, submission_id)
    return submission_out(submission, claim_ids)


@router.post(
    "/acknowledgments",
    response_model=AcknowledgmentOut,
    tags=["acknowledgments"],
    responses={
        200: {"description": "already received: the first result"},
        201: {"description": "applied"},
        422: {"description": "does not parse; kept for inspection"},
    },
)
async def post_acknowledgment(request: Request, principal: Writer) -> JSONResponse:
    """The raw 999 or 277CA as the body (application/edi-x12 or text/plain)."""
    raw_bytes = await request.body()
    if not raw_bytes.strip():
        raise InvalidInput("empty body", [EMPTY_X12])
    if len(raw_bytes) > MAX_ACK_BYTES:
        raise InvalidInput("file too large", [{"path": "body", "message": "20 MB at most"}])
    sessions = request.app.state.runtime.sessions
    result = await acks.ingest(
        sessions, principal.tenant_id, raw_bytes.decode("latin-1"), "api", actor=principal.subject
    )
    body = ack_out(result.acknowledgment).model_dump(mode="json")
    return JSONResponse(body, status_code=200 if result.duplicate else 201)


@router.get("/acknowledgments/{ack_id}", response_model=AcknowledgmentOut, tags=["acknowledgments"])
async def get_acknowledgment(ack_id: str, session: Session, principal: Reader) -> AcknowledgmentOut:
    ack = await acks.get_acknowledgment(session, principal.tenant_id, ack_id)
    if ack is None:
        raise NotFound("acknowledgment not found")
    return ack_out(ack)


@router.get(
    "/acknowledgments/{ack_id}/raw", response_class=PlainTextResponse, tags=["acknowledgments"]
)
async def get_acknowledgment_raw(
    ack_id: str, session: Session, principal: Reader
) -> PlainTextResponse:
    ack = await acks.get_acknowledgment(session, principal.tenant_id, ack_id)
    if ack is None:
        raise NotFound("acknowledgment not found")
    return PlainTextResponse(ack.raw, media_type="application/edi-x12")


@router.get("/kpis", tags=["kpis"])
async def get_kpis(
    session: Session,
    principal: Reader,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    group_by: GroupBy = "payer",
    as_of: date | None = None,
) -> dict[str, Any]:
    """Clean claim rate, first-pass acceptance, denial rate, days in A/R and A/R aging for
    claims whose date of service falls in [from, to] (default: the last 90 days)."""
    end = date_to or date.today()
    start = date_from or end - timedelta(days=89)
    if start > end:
        raise InvalidInput("from is after to", [{"path": "query.from"}])
    return await kpis(session, principal, start, end, group_by, as_of or date.today())
