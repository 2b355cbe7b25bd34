"""Remittances in (the 835 upload) and out (remittances, postings, the unmatched queue,
the stored files)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse

from rcm_remittance.repository import RemittanceRepository
from rcm_remittance.schemas import (
    FileOut,
    FilePage,
    IngestOut,
    MatchIn,
    PaymentOut,
    PaymentPage,
    ProviderAdjustmentOut,
    RemittanceDetail,
    RemittanceOut,
    RemittancePage,
)
from rcm_remittance.service import files
from rcm_remittance.service import remittances as svc
from rcm_remittance.service.ingestion import ingest
from rcm_shared.auth import Principal, requires
from rcm_shared.errors import InvalidInput, NotFound
from rcm_shared.pagination import decode_cursor, page_of
from rcm_shared.runtime import Session

router = APIRouter(prefix="/v1")
Reader = Annotated[Principal, Depends(requires("remittance:read"))]
Writer = Annotated[Principal, Depends(requires("remittance:write"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=500)]
UPLOAD_READ_BYTES = 1024 * 1024


async def _upload_stream(request: Request) -> tuple[AsyncIterator[bytes], str | None]:
    """The 835's bytes as they arrive: the raw body, or the one file of a multipart form
    (which Starlette spools to disk past 1 MB)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return request.stream(), request.headers.get("x-file-name")
    form = await request.form(max_files=1, max_fields=5)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput(
            "no file in the form", [{"path": "body.file", "message": "a file field is needed"}]
        )

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await upload.read(UPLOAD_READ_BYTES):
            yield chunk

    return chunks(), upload.filename


@router.post(
    "/remittances",
    response_model=IngestOut,
    status_code=status.HTTP_201_CREATED,
    tags=["remittances"],
    responses={
        200: {"description": "every ERA in the file was already posted: the existing ones"},
        201: {"description": "posted"},
        202: {"description": "unbalanced and quarantined (policy quarantine): nothing posted"},
        413: {"description": "larger than the configured maximum"},
        422: {"description": "malformed, or unbalanced under policy reject: nothing posted"},
    },
)
async def post_remittance(request: Request, principal: Writer) -> JSONResponse:
    """The raw 835 as the body (`application/edi-x12`, `text/plain`) or as the `file`
    field of a multipart form. Streamed: files up to the configured maximum (100 MB by
    default) never sit whole in memory. The raw file is kept whatever happens."""
    stream, file_name = await _upload_stream(request)
    state = request.app.state
    file, outcome = await ingest(
        state.runtime.sessions,
        principal.tenant_id,
        stream,
        state.settings,
        source="api",
        file_name=file_name,
    )
    if outcome.error is not None and (
        outcome.state == "rejected" or outcome.error.get("kind") == "malformed"
    ):
        detail = {"file_id": file.id, "state": outcome.state, **outcome.error}
        raise InvalidInput(outcome.error["message"], detail)
    async with state.runtime.sessions() as session:
        repo = RemittanceRepository(session, principal.tenant_id)
        stored = await repo.file(file.id)
        remittances = await repo.remittances(outcome.remittance_ids)
    assert stored is not None
    body = IngestOut(
        file=FileOut.model_validate(stored),
        remittances=[RemittanceOut.model_validate(r) for r in remittances],
        duplicate_remittance_ids=outcome.duplicate_ids,
    )
    code = {"posted": 201, "duplicate": 200}.get(outcome.state, 202)
    return JSONResponse(body.model_dump(mode="json"), status_code=code)


@router.get("/remittances", response_model=RemittancePage, tags=["remittances"])
async def list_remittances(
    session: Session,
    principal: Reader,
    payer_id: Annotated[str | None, Query(max_length=80)] = None,
    trace_number: Annotated[str | None, Query(max_length=50)] = None,
    paid_from: date | None = None,
    paid_to: date | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> RemittancePage:
    after = decode_cursor(cursor) if cursor else None
    filters: dict[str, Any] = {
        "payer_id": payer_id,
        "trace_number": trace_number,
        "paid_from": paid_from,
        "paid_to": paid_to,
    }
    rows = await RemittanceRepository(session, principal.tenant_id).remittances_page(
        filters, after, limit
    )
    items, next_cursor = page_of(rows, limit)
    return RemittancePage(
        items=[RemittanceOut.model_validate(r) for r in items], next_cursor=next_cursor
    )


@router.get("/remittances/{remittance_id}", response_model=RemittanceDetail, tags=["remittances"])
async def get_remittance(
    remittance_id: str,
    session: Session,
    principal: Reader,
    payments_after: Annotated[int, Query(ge=0)] = 0,
    payments_limit: Annotated[int, Query(ge=0, le=5000)] = 500,
) -> RemittanceDetail:
    """The remittance with its EFT data, provider-level adjustments and claim payments
    (in file order, paged by `payments_after`)."""
    remittance = await svc.get_remittance(session, principal.tenant_id, remittance_id)
    repo = RemittanceRepository(session, principal.tenant_id)
    payments = (
        await repo.payments_of_remittance(remittance.id, payments_after, payments_limit)
        if payments_limit
        else []
    )
    more = len(payments) > payments_limit
    payments = payments[:payments_limit]
    return RemittanceDetail(
        **RemittanceOut.model_validate(remittance).model_dump(),
        provider_adjustments=[
            ProviderAdjustmentOut.model_validate(p)
            for p in await repo.provider_adjustments(remittance.id)
        ],
        payments=[PaymentOut.model_validate(p) for p in payments],
        next_payments_after=payments[-1].seq if more and payments else None,
    )


@router.get("/payments/{payment_id}", response_model=PaymentOut, tags=["postings"])
async def get_payment(payment_id: str, session: Session, principal: Reader) -> PaymentOut:
    payment = await RemittanceRepository(session, principal.tenant_id).payment(payment_id)
    if payment is None:
        raise NotFound("payment not found")
    return PaymentOut.model_validate(payment)


@router.get("/claims/{claim_id}/postings", response_model=list[PaymentOut], tags=["postings"])
async def claim_postings(claim_id: str, session: Session, principal: Reader) -> list[PaymentOut]:
    """Every payment posted to the claim (reversals and reversed ones included), oldest
    first."""
    rows = await RemittanceRepository(session, principal.tenant_id).payments_of_claim(claim_id)
    return [PaymentOut.model_validate(p) for p in rows]


@router.get("/unmatched-payments", response_model=PaymentPage, tags=["postings"])
async def unmatched_payments(
    session: Session,
    principal: Reader,
    patient_control_number: Annotated[str | None, Query(max_length=38)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> PaymentPage:
    """Claim payments whose CLP01 matched no claim of the tenant, newest first."""
    after = decode_cursor(cursor) if cursor else None
    rows = await RemittanceRepository(session, principal.tenant_id).unmatched_page(
        patient_control_number, after, limit
    )
    items, next_cursor = page_of(rows, limit)
    return PaymentPage(items=[PaymentOut.model_validate(p) for p in items], next_cursor=next_cursor)


@router.post("/unmatched-payments/{payment_id}/match", response_model=PaymentOut, tags=["postings"])
async def match_payment(
    payment_id: str, body: MatchIn, session: Session, principal: Writer
) -> PaymentOut:
    """Posts the payment to the claim a person chose, and publishes its adjudication."""
    payment = await svc.match_payment(
        session, principal.tenant_id, payment_id, body.claim_id, principal.subject
    )
    return PaymentOut.model_validate(payment)


@router.get("/remittance-files", response_model=FilePage, tags=["files"])
async def list_files(
    session: Session,
    principal: Reader,
    state: Annotated[
        str | None, Query(pattern="^(received|posted|duplicate|rejected|quarantined)$")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> FilePage:
    after = decode_cursor(cursor) if cursor else None
    rows = await RemittanceRepository(session, principal.tenant_id).files_page(state, after, limit)
    items, next_cursor = page_of(rows, limit)
    return FilePage(items=[FileOut.model_validate(f) for f in items], next_cursor=next_cursor)


@router.get("/remittance-files/{file_id}", response_model=FileOut, tags=["files"])
async def get_file(file_id: str, session: Session, principal: Reader) -> FileOut:
    file = await RemittanceRepository(session, principal.tenant_id).file(file_id)
    if file is None:
        raise NotFound("remittance file not found")
    return FileOut.model_validate(file)


@router.get("/remittance-files/{file_id}/raw", tags=["files"])
async def get_file_raw(file_id: str, request: Request, principal: Reader) -> StreamingResponse:
    """The file exactly as received, streamed."""
    sessions = request.app.state.runtime.sessions
    file, chunks = await files.raw_chunks(sessions, principal.tenant_id, file_id)
    return StreamingResponse(
        chunks,
        media_type="application/edi-x12",
        headers={"Content-Length": str(file.size)},
    )
