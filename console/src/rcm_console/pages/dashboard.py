"""The dashboard: claims KPIs and denial rates as charts, for a date range and a clinic."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rcm_console.backend import console_of

router = APIRouter()


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    date_from: str | None = None,
    date_to: str | None = None,
    clinic_id: str | None = None,
) -> HTMLResponse:
    console = console_of(request)
    end = date_to or date.today().isoformat()
    start = date_from or (date.fromisoformat(end) - timedelta(days=89)).isoformat()
    window = {"from": start, "to": end}
    kpis = await console.get_json(request, "claims", "/v1/kpis", group_by="clinic", **window)
    by_payer = await console.get_json(request, "claims", "/v1/kpis", group_by="payer", **window)
    scope = {**window, "clinic_id": clinic_id}
    categories = await console.get_json(
        request, "denials", "/v1/denials/analytics", group_by="category", **scope
    )
    payers = await console.get_json(
        request, "denials", "/v1/denials/analytics", group_by="payer", **scope
    )
    total = kpis["groups"].get(clinic_id, kpis["total"]) if clinic_id else kpis["total"]

    def pct(value: object) -> Decimal:
        return Decimal(str(value or 0)) * 100

    return console.page(
        request,
        "dashboard.html",
        window={"from": start, "to": end, "clinic_id": clinic_id},
        clinics=sorted(kpis["groups"]),
        total=total,
        aging=[(bucket, Decimal(str(v))) for bucket, v in total["ar_aging"].items()],
        denial_by_category=[
            (r["group"] or "-", pct(r["denial_rate"])) for r in categories["rates"]
        ],
        denial_by_payer=[(r["group"] or "-", pct(r["denial_rate"])) for r in payers["rates"]],
        first_pass_by_payer=[
            (payer, pct(row["first_pass_acceptance_rate"]))
            for payer, row in by_payer["groups"].items()
        ],
    )
