"""Eligibility: run a check and read the answer (active, plan, copay, deductible left)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from rcm_console.backend import console_of

router = APIRouter()


@router.get("/eligibility", response_class=HTMLResponse)
async def form(request: Request) -> HTMLResponse:
    return console_of(request).page(request, "eligibility.html", check=None, today=date.today())


@router.post("/eligibility", response_class=HTMLResponse)
async def run(
    request: Request,
    payer_id: Annotated[str, Form()],
    payer_name: Annotated[str, Form()],
    member_id: Annotated[str, Form()],
    first_name: Annotated[str, Form()],
    last_name: Annotated[str, Form()],
    birth_date: Annotated[str, Form()],
    provider_npi: Annotated[str, Form()],
    provider_name: Annotated[str, Form()],
    service_date: Annotated[str, Form()],
) -> HTMLResponse:
    console = console_of(request)
    body = {
        "subscriber": {
            "member_id": member_id.strip(),
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "birth_date": birth_date,
        },
        "payer": {"payer_id": payer_id.strip(), "name": payer_name.strip()},
        "provider": {"npi": provider_npi.strip(), "name": provider_name.strip()},
        "service_date": service_date,
    }
    check = (await console.call(request, "eligibility", "POST", "/v1/checks", json=body)).json()
    return console.page(request, "eligibility.html", check=check, today=date.today())
