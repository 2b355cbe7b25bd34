"""Remittances: ERAs with their EFT data, a remittance's claim payments, and the unmatched
queue with a manual match."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rcm_console.backend import back_to, console_of

router = APIRouter()
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@router.get("/remittances", response_class=HTMLResponse)
async def remittances(request: Request) -> HTMLResponse:
    console = console_of(request)
    eras = await console.get_json(request, "remittance", "/v1/remittances", limit=100)
    unmatched = await console.get_json(request, "remittance", "/v1/unmatched-payments", limit=100)
    return console.page(
        request, "remittances.html", eras=eras["items"], unmatched=unmatched["items"]
    )


@router.get("/remittances/{remittance_id}", response_class=HTMLResponse)
async def remittance(request: Request, remittance_id: str) -> HTMLResponse:
    console = console_of(request)
    era = await console.get_json(request, "remittance", f"/v1/remittances/{remittance_id}")
    return console.page(request, "remittance.html", r=era)


@router.post("/unmatched/{payment_id}/match")
async def match(request: Request, payment_id: str, claim: Annotated[str, Form()] = "") -> Response:
    """The biller names the claim by its id, or by its patient control number, which the
    claims service looks up; the remittance service posts the payment to it."""
    console = console_of(request)
    named = claim.strip()
    claim_id = named if UUID.match(named) else None
    if claim_id is None:
        found = await console.get_json(
            request, "claims", "/v1/claims", patient_control_number=named, limit=5
        )
        if len(found["items"]) != 1:
            return back_to("/remittances", f"No single claim has patient control number {named}")
        claim_id = found["items"][0]["id"]
    path = f"/v1/unmatched-payments/{payment_id}/match"
    await console.call(request, "remittance", "POST", path, json={"claim_id": claim_id})
    return back_to("/remittances", f"Payment matched to claim {named}")
