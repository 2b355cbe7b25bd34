"""The denials queue and a denial's page: appeal, assign, note, write off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rcm_console.backend import back_to, console_of

router = APIRouter()
CATEGORIES = (
    "eligibility", "authorization", "coding", "bundling", "missing_information",
    "timely_filing", "duplicate", "coordination_of_benefits", "medical_necessity", "other",
)  # fmt: skip
STATUSES = ("open", "in_progress", "appealed", "resubmitted", "resolved", "written_off")
WRITE_OFF_REASONS = (
    "not_worth_pursuing", "appeal_lost", "timely_filing_expired", "non_covered_no_waiver",
    "duplicate_confirmed", "small_balance", "other",
)  # fmt: skip


@router.get("/denials", response_class=HTMLResponse)
async def queue(
    request: Request,
    status: str | None = None,
    category: str | None = None,
    payer_id: str | None = None,
    clinic_id: str | None = None,
    deadline_to: str | None = None,
    sort: str = "priority",
) -> HTMLResponse:
    console = console_of(request)
    filters = {
        "status": status,
        "category": category,
        "payer_id": payer_id,
        "clinic_id": clinic_id,
        "deadline_to": deadline_to,
        "sort": sort,
    }
    found = await console.get_json(request, "denials", "/v1/denials", limit=200, **filters)
    return console.page(
        request, "denials.html", items=found["items"], filters=filters, statuses=STATUSES,
        categories=CATEGORIES,
    )  # fmt: skip


@router.get("/denials/{denial_id}", response_class=HTMLResponse)
async def denial(request: Request, denial_id: str) -> HTMLResponse:
    console = console_of(request)
    item = await console.get_json(request, "denials", f"/v1/denials/{denial_id}")
    history = await console.get_json(request, "denials", f"/v1/denials/{denial_id}/history")
    appeals = await console.get_json(request, "denials", f"/v1/denials/{denial_id}/appeals")
    return console.page(
        request, "denial.html", d=item, history=history, appeals=appeals,
        write_off_reasons=WRITE_OFF_REASONS,
    )  # fmt: skip


async def _act(request: Request, denial_id: str, action: str, body: dict[str, object]) -> None:
    path = f"/v1/denials/{denial_id}/{action}"
    await console_of(request).call(request, "denials", "POST", path, json=body)


@router.post("/denials/{denial_id}/appeal")
async def appeal(
    request: Request, denial_id: str, argument: Annotated[str, Form()] = ""
) -> Response:
    await _act(request, denial_id, "appeals", {"argument": argument} if argument.strip() else {})
    return back_to(f"/denials/{denial_id}", "Appeal letter generated")


@router.post("/denials/{denial_id}/assign")
async def assign(
    request: Request, denial_id: str, assignee: Annotated[str, Form()] = ""
) -> Response:
    await _act(request, denial_id, "assign", {"assignee": assignee.strip() or None})
    return back_to(f"/denials/{denial_id}", "Assigned")


@router.post("/denials/{denial_id}/note")
async def note(request: Request, denial_id: str, text: Annotated[str, Form()] = "") -> Response:
    await _act(request, denial_id, "notes", {"text": text})
    return back_to(f"/denials/{denial_id}", "Note added")


def corrections(
    prior_authorization_number: str,
    referral_number: str,
    diagnosis_codes: str,
    line_modifiers: str,
    note: str,
) -> dict[str, object]:
    """The form's fields as the resubmit API takes them; what is left empty stays as it was.
    Line modifiers are written "1:59 GP, 2:25": line, colon, its modifiers."""
    body: dict[str, object] = {}
    if prior_authorization_number.strip():
        body["prior_authorization_number"] = prior_authorization_number.strip()
    if referral_number.strip():
        body["referral_number"] = referral_number.strip()
    codes = [c.strip().upper().replace(".", "") for c in diagnosis_codes.split(",") if c.strip()]
    if codes:
        body["diagnosis_codes"] = codes
    lines: dict[str, list[str]] = {}
    for part in line_modifiers.split(","):
        number, _, mods = part.partition(":")
        if number.strip() and mods.strip():
            lines[number.strip()] = mods.split()
    if lines:
        body["line_modifiers"] = lines
    if note.strip():
        body["note"] = note.strip()
    return body


@router.post("/denials/{denial_id}/resubmit")
async def resubmit(
    request: Request,
    denial_id: str,
    prior_authorization_number: Annotated[str, Form()] = "",
    referral_number: Annotated[str, Form()] = "",
    diagnosis_codes: Annotated[str, Form()] = "",
    line_modifiers: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    body = corrections(
        prior_authorization_number, referral_number, diagnosis_codes, line_modifiers, note
    )
    await _act(request, denial_id, "resubmit", body)
    return back_to(f"/denials/{denial_id}", "Corrected claim requested")


@router.post("/denials/{denial_id}/write-off")
async def write_off(
    request: Request, denial_id: str, reason: Annotated[str, Form()] = "other"
) -> Response:
    await _act(request, denial_id, "write-off", {"reason": reason})
    return back_to(f"/denials/{denial_id}", "Written off")


@router.get("/denials/{denial_id}/appeals/{appeal_id}/letter.pdf")
async def letter(request: Request, denial_id: str, appeal_id: str) -> Response:
    path = f"/v1/denials/{denial_id}/appeals/{appeal_id}/letter.pdf"
    pdf = await console_of(request).call(request, "denials", "GET", path)
    return Response(pdf.content, media_type="application/pdf")
