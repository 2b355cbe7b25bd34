"""The end-of-day KPI report, from the services' own reporting endpoints: claims KPIs by
payer, denial analytics by category and by payer, remittance totals, recovered dollars."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from deploy.demo.flow import Apis, Outcome, _ok, all_pages


def _pct(value: Any) -> str:
    return "-" if value is None else f"{Decimal(str(value)) * 100:5.1f}%"


def _money(value: Any) -> str:
    return f"{Decimal(str(value)):>11,.2f}"


async def gather(apis: Apis, today: date) -> dict[str, Any]:
    # every claim of the day, including the visit a year's filing limit back
    start = today - timedelta(days=365)
    window = {"from": start.isoformat(), "to": today.isoformat()}
    kpis = _ok(await apis.claims.get("/v1/kpis", params={**window, "group_by": "payer"}))
    by_category = _ok(
        await apis.denials.get("/v1/denials/analytics", params={**window, "group_by": "category"})
    )
    by_payer = _ok(
        await apis.denials.get("/v1/denials/analytics", params={**window, "group_by": "payer"})
    )
    remittances = await all_pages(apis.remittance, "/v1/remittances")
    return {
        "kpis": kpis,
        "denials_by_category": by_category,
        "denials_by_payer": by_payer,
        "remittances": remittances,
    }


def render(data: dict[str, Any], out: Outcome, emit: Callable[[str], None] = print) -> None:
    kpis = data["kpis"]
    total = kpis["total"]
    emit("\n=== KPI report " + "=" * 60)
    emit(
        f"claims {total['claims']}   clean claim rate {_pct(total['clean_claim_rate'])}   "
        f"first-pass acceptance {_pct(total['first_pass_acceptance_rate'])}   "
        f"denial rate {_pct(total['denial_rate'])} ({_pct(total['denial_rate_dollars'])} of $)"
    )
    emit(
        f"charges {_money(total['charges'])}   paid {_money(total['paid'])}   "
        f"open A/R {_money(total['open_balance'])}   days in A/R {total['days_in_ar'] or '-'}"
    )
    aging = total["ar_aging"].items()
    emit("A/R aging: " + "   ".join(f"{b} {_money(v).strip()}" for b, v in aging))
    emit(f"\n{'payer':<8} {'claims':>6} {'clean':>7} {'1st pass':>8} {'denied':>7} {'paid':>12}")
    for payer, row in kpis["groups"].items():
        emit(
            f"{payer:<8} {row['claims']:>6} {_pct(row['clean_claim_rate']):>7} "
            f"{_pct(row['first_pass_acceptance_rate']):>8} {_pct(row['denial_rate']):>7} "
            f"{_money(row['paid']):>12}"
        )
    for title, key in (("category", "denials_by_category"), ("payer", "denials_by_payer")):
        emit(f"\ndenials by {title}:")
        emit(f"  {title:<22} {'claims':>6} {'denied':>6} {'rate':>7} {'denied $':>12}")
        for row in data[key]["rates"]:
            emit(
                f"  {row['group'] or '-':<22} {row['claims']:>6} {row['denied']:>6} "
                f"{_pct(row['denial_rate']):>7} {_money(row['denied_amount']):>12}"
            )
    reasons = data["denials_by_category"]["top_reasons"][:5]
    if reasons:
        emit("top reasons: " + "; ".join(f"CARC {r['carc']} x{r['denials']}" for r in reasons))
    recovery = data["denials_by_category"]["recovery"]
    emit(
        f"\nrecovered: {_money(recovery['recovered_amount']).strip()} of "
        f"{_money(recovery['denied_amount']).strip()} denied ({_pct(recovery['recovery_rate'])}); "
        f"{recovery['resolved']} resolved, {recovery['written_off']} written off, "
        f"{len(out.appealed)} appeals out"
    )
    remits = data["remittances"]
    paid = sum((Decimal(r["payment_amount"]) for r in remits), Decimal(0))
    claims_paid = sum((Decimal(r["total_claim_paid"]) for r in remits), Decimal(0))
    plb = sum((Decimal(r["total_plb"]) for r in remits), Decimal(0))
    emit(
        f"remittance: {len(remits)} ERAs, {sum(r['claim_count'] for r in remits)} claim "
        f"payments, claims paid {_money(claims_paid).strip()}, provider adjustments "
        f"{_money(plb).strip()}, deposited {_money(paid).strip()}, unmatched "
        f"{sum(r['unmatched_count'] for r in remits)}"
    )
