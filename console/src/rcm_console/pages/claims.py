"""Claims: search, and a claim's page (lines, scrub edits with their field, the timeline,
its 837 and acknowledgments)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from rcm_console.backend import console_of

router = APIRouter()
STATUSES = (
    "draft", "scrub_failed", "ready", "submitted", "accepted", "rejected", "paid",
    "partially_paid", "denied", "corrected", "voided", "closed",
)  # fmt: skip


@router.get("/claims", response_class=HTMLResponse)
async def search(
    request: Request,
    patient_control_number: str | None = None,
    status: str | None = None,
    payer_id: str | None = None,
    clinic_id: str | None = None,
    service_date_from: str | None = None,
    service_date_to: str | None = None,
) -> HTMLResponse:
    console = console_of(request)
    filters = {
        "patient_control_number": patient_control_number,
        "status": status,
        "payer_id": payer_id,
        "clinic_id": clinic_id,
        "service_date_from": service_date_from,
        "service_date_to": service_date_to,
    }
    found = await console.get_json(request, "claims", "/v1/claims", limit=100, **filters)
    return console.page(
        request, "claims.html", items=found["items"], filters=filters, statuses=STATUSES
    )


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
async def claim(request: Request, claim_id: str) -> HTMLResponse:
    console = console_of(request)
    item = await console.get_json(request, "claims", f"/v1/claims/{claim_id}")
    history = await console.get_json(request, "claims", f"/v1/claims/{claim_id}/history")
    postings = await console.get_json(request, "remittance", f"/v1/claims/{claim_id}/postings")
    return console.page(request, "claim.html", c=item, history=history, postings=postings)


@router.get("/submissions/{submission_id}.x12")
async def submission_x12(request: Request, submission_id: str) -> Response:
    path = f"/v1/submissions/{submission_id}/x12"
    x12 = await console_of(request).call(request, "claims", "GET", path)
    return Response(x12.text, media_type="text/plain; charset=utf-8")


@router.get("/acknowledgments/{ack_id}.x12")
async def acknowledgment_x12(request: Request, ack_id: str) -> Response:
    path = f"/v1/acknowledgments/{ack_id}/raw"
    x12 = await console_of(request).call(request, "claims", "GET", path)
    return Response(x12.text, media_type="text/plain; charset=utf-8")
