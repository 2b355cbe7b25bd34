from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, to_json

from rcm_claims.api.deps import Reader, Session, Writer
from rcm_claims.domain.claim import ClaimData
from rcm_claims.models import Claim
from rcm_claims.repository import ClaimRepository, NewClaim
from rcm_claims.schemas import (
    BatchIn,
    BatchOut,
    ClaimOut,
    ClaimPage,
    CleanBatchIn,
    CloseIn,
    CorrectionIn,
    HistoryEntry,
    VoidIn,
)
from rcm_claims.service.claims import ClaimService
from rcm_shared.auth import Principal, authorize
from rcm_shared.db import unit_of_work
from rcm_shared.direct_routes import DirectRoute
from rcm_shared.errors import RcmError, field_path
from rcm_shared.idempotency import once
from rcm_shared.pagination import decode_cursor, page_of

router = APIRouter(prefix="/v1/claims", tags=["claims"])
M = TypeVar("M", bound=BaseModel)
IDEMPOTENCY_KEY_MAX = 200


def service(session: Any, principal: Principal) -> ClaimService:
    return ClaimService(
        session, principal.tenant_id, actor=principal.subject, clinics=principal.clinic_ids
    )


def claim_out(claim: Claim | NewClaim) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        status=claim.status,
        patient_control_number=claim.patient_control_number,
        clinic_id=claim.clinic_id,
        payer_id=claim.payer_id,
        frequency_code=claim.frequency_code,
        original_claim_id=claim.original_claim_id,
        replaced_by_claim_id=claim.replaced_by_claim_id,
        payer_responsibility=claim.payer_responsibility,
        prior_claim_id=claim.prior_claim_id,
        next_claim_id=claim.next_claim_id,
        payer_claim_control_number=claim.payer_claim_control_number,
        total_charge=claim.total_charge,
        paid_amount=claim.paid_amount,
        patient_responsibility=claim.patient_responsibility,
        service_date_from=claim.service_date_from,
        service_date_to=claim.service_date_to,
        edits=claim.edits,
        rejection_reasons=claim.rejection_reasons,
        created_at=claim.created_at,
        updated_at=claim.updated_at,
        submitted_at=claim.submitted_at,
        version=claim.version,
        # a new claim holds its ClaimData already: no need to validate it again
        claim=claim.claim if isinstance(claim, NewClaim) else ClaimData.model_validate(claim.data),
    )


# ClaimOut's fields but its last, "claim", in ClaimOut's order
_HEAD_FIELDS = tuple(name for name in ClaimOut.model_fields if name != "claim")


def created_json(claim: NewClaim) -> bytes:
    """ClaimOut's JSON for a claim intake just wrote, without encoding its ClaimData a
    second time: the `data` column's text is spliced in as "claim", ClaimOut's last field.
    tests/test_claims_api.py checks it against ClaimOut's own encoding."""
    head = to_json({name: getattr(claim, name) for name in _HEAD_FIELDS})
    return b"".join((head[:-1], b',"claim":', claim.data_json.encode(), b"}"))


async def _refreshed(session: Any, claim: Claim | NewClaim) -> ClaimOut:
    await session.flush()  # onupdate timestamps are set at flush
    return claim_out(claim)


def parsed(model: type[M], raw: bytes) -> M:
    """A request body validated from its bytes in one pass by pydantic's own JSON parser.
    FastAPI would decode it to Python objects first and validate those: twice the work, on
    the intake endpoints. Errors read as FastAPI's would (body.<field path>)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [
                {**e, "loc": ("body", *e["loc"])}
                for e in exc.errors(include_input=False, include_url=False)
            ]
        ) from None


def body_doc(schema: dict[str, Any]) -> dict[str, Any]:
    """The request body as the docs show it, for an endpoint that reads it itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


IDEMPOTENCY_KEY_DOC = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
}


def idempotency_key_of(request: Request) -> str | None:
    """The Idempotency-Key header, checked as FastAPI would check a declared header."""
    key = request.headers.get("idempotency-key")
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        raise RequestValidationError(
            [
                {
                    "type": "string_too_long",
                    "loc": ("header", "Idempotency-Key"),
                    "msg": f"String should have at most {IDEMPOTENCY_KEY_MAX} characters",
                    "input": None,
                }
            ]
        )
    return key


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimOut,
    # The busiest endpoint reads its token, header and body itself (FastAPI's dependency
    # machinery cost it more than the reading does); the docs still show all three. The
    # body's schema is the one PUT /v1/claims/{claim_id} puts into the components.
    openapi_extra={
        **body_doc({"$ref": "#/components/schemas/ClaimData-Input"}),
        "parameters": [IDEMPOTENCY_KEY_DOC],
    },
)
async def create_claim(request: Request) -> Response:
    principal = authorize(request, "claims:write")
    idempotency_key = idempotency_key_of(request)
    body = parsed(ClaimData, await request.body())
    runtime = request.app.state.runtime
    if idempotency_key is None:
        # taken in together with the claims of concurrent requests (service/intake.py)
        created = await request.app.state.claim_intake.submit(
            (principal.tenant_id, principal.subject, principal.clinic_ids), body
        )
        if isinstance(created, RcmError):
            raise created
        return Response(
            created_json(created),
            status_code=status.HTTP_201_CREATED,
            media_type="application/json",
        )

    async with unit_of_work(runtime.sessions) as session:

        async def run() -> tuple[int, dict[str, Any]]:
            claim = await service(session, principal).create(body)
            return 201, (await _refreshed(session, claim)).model_dump(mode="json")

        code, payload = await once(
            session, principal.tenant_id, idempotency_key, body.model_dump(mode="json"), run
        )
    return JSONResponse(payload, status_code=code)


# Claim intake is served ahead of FastAPI's routing (rcm_shared.direct_routes): the
# declaration above documents it, this serves it.
direct_routes = [DirectRoute("/v1/claims", create_claim, "POST")]


@router.post(
    "/batch",
    response_model=BatchOut,
    openapi_extra={
        **body_doc(BatchIn.model_json_schema()),
        "parameters": [IDEMPOTENCY_KEY_DOC],
    },
)
async def create_batch(request: Request, session: Session, principal: Writer) -> Response:
    """Each claim is validated and taken on its own: one bad claim spares the others.
    With an Idempotency-Key, a retried batch (a timeout is the usual reason) gets the first
    answer instead of a second set of claims."""
    idempotency_key = idempotency_key_of(request)
    raw = await request.body()
    outcomes = _batch_claims(raw)

    async def run() -> tuple[int, dict[str, Any]]:
        valid = [(i, o) for i, o in enumerate(outcomes) if isinstance(o, ClaimData)]
        created = await service(session, principal).create_many([d for _, d in valid])
        return 200, _batch_answer(outcomes, dict(zip((i for i, _ in valid), created, strict=True)))

    if idempotency_key is None:
        _, answer = await run()
        # plain values in the shape of BatchOut: built and encoded once, not validated again
        return Response(to_json(answer), media_type="application/json")
    code, answer = await once(session, principal.tenant_id, idempotency_key, json.loads(raw), run)
    return JSONResponse(answer, status_code=code)


def _batch_answer(
    outcomes: list[ClaimData | list[ErrorDetails]], taken: dict[int, NewClaim | RcmError]
) -> dict[str, Any]:
    """BatchOut's shape: one result per claim, in the batch's order."""
    results: list[dict[str, Any]] = []
    for index, outcome in enumerate(outcomes):
        result = taken.get(index)
        if not isinstance(outcome, ClaimData):
            results.append(
                {
                    "index": index,
                    "status": 422,
                    "error": {
                        # the same body a lone POST /v1/claims would get, message included
                        "error": "validation_error",
                        "message": "request is invalid",
                        "detail": [
                            {
                                "path": field_path(["body", "claims", index, *e["loc"]]),
                                "message": e["msg"],
                                "type": e["type"],
                            }
                            for e in outcome
                        ],
                    },
                }
            )
        elif isinstance(result, RcmError):
            results.append({"index": index, "status": result.status_code, "error": result.body()})
        elif result is not None:
            results.append(
                {
                    "index": index,
                    "status": 201,
                    "claim": {
                        "id": result.id,
                        "status": result.status,
                        "patient_control_number": result.patient_control_number,
                        "edits": result.edits,
                    },
                }
            )
    ok = sum(1 for r in results if r["status"] == 201)
    return {"created": ok, "failed": len(results) - ok, "results": results}


def _batch_claims(raw: bytes) -> list[ClaimData | list[ErrorDetails]]:
    """Each claim of a batch as ClaimData, or its validation errors. Most batches are
    clean: one pass over the bytes validates them whole. Only a batch with errors is gone
    through claim by claim, to tell the good ones from the bad; errors of the batch's own
    shape (not JSON, no claims, too many) are the request's 422."""
    try:
        return list(parsed(CleanBatchIn, raw).claims)
    except RequestValidationError:
        pass
    out: list[ClaimData | list[ErrorDetails]] = []
    for item in parsed(BatchIn, raw).claims:
        try:
            out.append(ClaimData.model_validate(item))
        except ValidationError as exc:
            out.append(exc.errors(include_input=False, include_url=False))
    return out


@router.get("/{claim_id}", response_model=ClaimOut)
async def get_claim(claim_id: str, session: Session, principal: Reader) -> ClaimOut:
    return claim_out(await service(session, principal).get(claim_id))


@router.put("/{claim_id}", response_model=ClaimOut)
async def replace_claim(
    claim_id: str, body: ClaimData, session: Session, principal: Writer
) -> ClaimOut:
    claim = await service(session, principal).replace(claim_id, body)
    return await _refreshed(session, claim)


@router.patch("/{claim_id}", response_model=ClaimOut)
async def patch_claim(
    claim_id: str, session: Session, principal: Writer, body: Annotated[dict[str, Any], Body()]
) -> ClaimOut:
    claim = await service(session, principal).patch(claim_id, body)
    return await _refreshed(session, claim)


@router.get("", response_model=ClaimPage)
async def list_claims(
    session: Session,
    principal: Reader,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    clinic_id: Annotated[str | None, Query(max_length=36)] = None,
    payer_id: Annotated[str | None, Query(max_length=80)] = None,
    patient_control_number: Annotated[str | None, Query(max_length=20)] = None,
    rendering_provider_id: Annotated[str | None, Query(max_length=36)] = None,
    frequency_code: Annotated[str | None, Query(pattern="^[178]$")] = None,
    service_date_from: date | None = None,
    service_date_to: date | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ClaimPage:
    after = decode_cursor(cursor) if cursor else None
    filters = {
        "status": status_,
        "clinic_id": clinic_id,
        "payer_id": payer_id,
        "patient_control_number": patient_control_number,
        "rendering_provider_id": rendering_provider_id,
        "frequency_code": frequency_code,
        "service_date_from": service_date_from,
        "service_date_to": service_date_to,
    }
    rows = list(
        await ClaimRepository(session, principal.tenant_id).page(
            filters, after, limit + 1, principal.clinic_ids
        )
    )
    items, next_cursor = page_of(rows, limit)
    return ClaimPage(items=[claim_out(c) for c in items], next_cursor=next_cursor)


@router.get("/{claim_id}/history", response_model=list[HistoryEntry])
async def claim_history(claim_id: str, session: Session, principal: Reader) -> list[HistoryEntry]:
    claim = await service(session, principal).get(claim_id)
    rows = await ClaimRepository(session, principal.tenant_id).history(claim.id)
    return [
        HistoryEntry(
            at=r.at,
            from_status=r.from_status,
            to_status=r.to_status,
            event_type=r.event_type,
            actor=r.actor,
            detail=r.detail,
        )
        for r in rows
    ]


@router.post(
    "/{claim_id}/corrections", status_code=status.HTTP_201_CREATED, response_model=ClaimOut
)
async def correct_claim(
    claim_id: str, body: CorrectionIn, session: Session, principal: Writer
) -> ClaimOut:
    replacement = await service(session, principal).correct(claim_id, body)
    return await _refreshed(session, replacement)


@router.post("/{claim_id}/close", response_model=ClaimOut)
async def close_claim(
    claim_id: str, body: CloseIn, session: Session, principal: Writer
) -> ClaimOut:
    """An adjudicated claim with nothing more to collect from the payer leaves A/R."""
    claim = await service(session, principal).close(claim_id, body.reason)
    return await _refreshed(session, claim)


@router.post("/{claim_id}/void", response_model=ClaimOut)
async def void_claim(claim_id: str, body: VoidIn, session: Session, principal: Writer) -> ClaimOut:
    claim = await service(session, principal).void(claim_id, body.reason)
    return await _refreshed(session, claim)
