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
    unmatched = await all_pages(apis.remittance, "/v1/unmatched-payments")
    return {
        "kpis": kpis,
        "denials_by_category": by_category,
        "denials_by_payer": by_payer,
        "remittances": remittances,
        "unmatched": unmatched,
    }


def paid_dollars(data: dict[str, Any]) -> dict[str, Decimal]:
    """The same money as each service counts it. The claims service sums what was paid
    for the period's visits (corrected claims included); the remittance service sums the
    835s' CLP04, of which the payments that matched no claim are not the claims' money."""
    remitted = sum((Decimal(r["total_claim_paid"]) for r in data["remittances"]), Decimal(0))
    unmatched = sum((Decimal(p["paid"]) for p in data["unmatched"]), Decimal(0))
    return {
        "claims": Decimal(str(data["kpis"]["total"]["paid"])),
        "remitted": remitted,
        "unmatched": unmatched,
        "posted_to_claims": remitted - unmatched,
    }


def disagreements(data: dict[str, Any]) -> list[str]:
    """Dollar figures that two services report for the same tenant and range and that do
    not agree; empty when the report is consistent. (The remittance service names payers
    as the 835 does, so only the total is the same figure on both sides.)"""
    paid = paid_dollars(data)
    out = []
    if paid["claims"] != paid["posted_to_claims"]:
        out.append(
            f"claims paid {paid['claims']} != remittance posted to claims "
            f"{paid['posted_to_claims']}"
        )
    return out


def render(data: dict[str, Any], out: Outcome, emit: Callable[[str], None] = print) -> None:
    kpis = data["kpis"]
    total = kpis["total"]
    emit("\n=== KPI report " + "=" * 60)
    emit(
        f"claims {total['claims']}   clean claim rate {_pct(total['clean_claim_rate'])}   "
        f"first-pass acceptance {_pct(total['first_pass_acceptance_rate'])}   "
        f"denial rate {_pct(total['denial_rate'])} ({_pct(total['denial_rate_dollars']).strip()} "
        "of charges; first claims only)"
    )
    emit(
        f"charges {_money(total['charges'])}   paid {_money(total['paid'])} (corrected claims "
        f"{_money(total['paid_on_corrections']).strip()})   open A/R "
        f"{_money(total['open_balance'])}   days in A/R {total['days_in_ar'] or '-'}"
    )
    emit(
        f"secondary payers paid {_money(total['paid_by_secondary_payers']).strip()} of it, on "
        f"{out.secondaries} claims billed after the primary's 835"
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
    # A category splits the denied side of every adjudicated claim: its denominator is the
    # same for every row, so it is said once and each row shows its share of the denials.
    categories = data["denials_by_category"]["rates"]
    adjudicated = categories[0]["claims"] if categories else 0
    all_denied = sum(row["denied"] for row in categories)
    emit(f"\ndenials by category (of {adjudicated} claim adjudications):")
    emit(f"  {'category':<22} {'denied':>6} {'rate':>7} {'of denials':>10} {'denied $':>12}")
    for row in categories:
        share = Decimal(row["denied"]) / all_denied if all_denied else None
        emit(
            f"  {row['group'] or '-':<22} {row['denied']:>6} {_pct(row['denial_rate']):>7} "
            f"{_pct(share):>10} {_money(row['denied_amount']):>12}"
        )
    emit("\ndenials by payer (adjudications, corrected claims included):")
    emit(f"  {'payer':<22} {'claims':>6} {'denied':>6} {'rate':>7} {'denied $':>12}")
    for row in data["denials_by_payer"]["rates"]:
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
        f"{_money(recovery['denied_amount']).strip()} denied on work items, line denials "
        f"included ({_pct(recovery['recovery_rate']).strip()}): new money, after what the "
        f"payers took back from the originals (corrected claims were paid "
        f"{_money(total['paid_on_corrections']).strip()} in all); {recovery['resolved']} "
        f"resolved, {recovery['written_off']} written off, {len(out.appealed)} appeals out"
    )
    remits = data["remittances"]
    deposited = sum((Decimal(r["payment_amount"]) for r in remits), Decimal(0))
    plb = sum((Decimal(r["total_plb"]) for r in remits), Decimal(0))
    paid = paid_dollars(data)
    emit(
        f"remittance: {len(remits)} ERAs, {sum(r['claim_count'] for r in remits)} claim "
        f"payments, claims paid {_money(paid['remitted']).strip()} (to claims "
        f"{_money(paid['posted_to_claims']).strip()}, unmatched "
        f"{_money(paid['unmatched']).strip()} in {len(data['unmatched'])}), provider "
        f"adjustments {_money(plb).strip()}, deposited {_money(deposited).strip()}"
    )
    emit(f"\nfollow-up list (aging A/R and open items): {len(out.follow_ups)} claims")
    if out.follow_ups:
        emit(f"  {'claim':<20} {'payer':<8} {'balance':>11} {'days':>5}  last status / open items")
    for item in out.follow_ups[:10]:
        last = item["last_status"]
        said = f"{last['outcome']} ({last['code']})" if last else "not asked yet"
        reasons = ", ".join(o["reason"] for o in item["open_items"]) or "-"
        emit(
            f"  {item['patient_control_number']:<20} {item['payer_id']:<8} "
            f"{_money(item['balance'])} {item['days_waiting']:>5}  {said}; {reasons}"
        )
    _patients(out, emit)
    problems = disagreements(data)
    if problems:
        emit("DOLLARS DISAGREE between services: " + "; ".join(problems))
    else:
        emit("claims and remittance agree on paid dollars, in total and per payer")


def _patients(out: Outcome, emit: Callable[[str], None]) -> None:
    side = out.patient_side
    if side is None:
        return
    k = side.kpis
    emit(f"\npatient side (as of {k['as_of']}, the next cycle):")
    emit(
        f"  patient responsibility {_money(k['patient_responsibility']).strip()} from the 835s, "
        f"collected {_money(k['collected']).strip()} ({_pct(k['collection_rate']).strip()}), "
        f"days to collect {k['days_to_collect'] or '-'}"
    )
    emit(
        f"  patient A/R {_money(k['patient_ar']).strip()}, waiting on a secondary "
        f"{_money(k['pending_insurance']).strip()}; aging: "
        + "   ".join(f"{b} {_money(v).strip()}" for b, v in k["aging"].items())
    )
    emit(
        "  statements: "
        + ", ".join(f"{n} {c}" for n, c in sorted(k["statements"].items()))
        + f"; payment plans: {', '.join(f'{s} {n}' for s, n in sorted(k['plans'].items()))}"
        + f"; installments missed {side.installments_missed}"
    )
