"""Denial rates, top reasons, recovery and the pre-submission risk."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials.domain.codes import codebook
from rcm_denials.repository import AnalyticsRepository
from rcm_denials.schemas import (
    AnalyticsOut,
    ModifierRisk,
    RateRow,
    ReasonCount,
    RecoveryOut,
    RiskItemIn,
    RiskOut,
    TopReason,
)

RATE = Decimal("0.0001")
MIN_LINES = 10  # fewer adjudicated lines than this: the share is shown, not trusted


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal:
    if not whole:
        return Decimal(0).quantize(RATE)
    return (Decimal(part) / Decimal(whole)).quantize(RATE, ROUND_HALF_UP)


async def analytics(
    session: AsyncSession,
    tenant_id: str,
    group_by: str,
    date_from: date,
    date_to: date,
    interval: str | None,
    clinics: frozenset[str] | None,
) -> AnalyticsOut:
    repo = AnalyticsRepository(session, tenant_id)
    book = codebook()
    rows = await repo.rates(group_by, date_from, date_to, interval, clinics)
    rates = [
        RateRow(
            group=None if r["group"] is None else str(r["group"]),
            period=r["period"],
            claims=r["claims"],
            denied=r["denied"],
            denial_rate=ratio(r["denied"], r["claims"]),
            charges=r["charges"],
            denied_amount=r["denied_amount"],
            dollar_denial_rate=ratio(r["denied_amount"], r["charges"]),
        )
        for r in rows
    ]
    top = [
        TopReason(
            carc=r["carc"],
            description=book.carc_description(r["carc"]) if r["carc"] else None,
            category=r["category"],
            denials=r["denials"],
            denied_amount=r["denied_amount"],
        )
        for r in await repo.top_reasons(date_from, date_to, clinics)
    ]
    rec = await repo.recovery(date_from, date_to, clinics)

    def days(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))

    recovery = RecoveryOut(
        denials=rec["denials"],
        resolved=rec["resolved"],
        written_off=rec["written_off"],
        denied_amount=rec["denied_amount"],
        recovered_amount=rec["recovered_amount"],
        recovery_rate=ratio(rec["recovered_amount"], rec["denied_amount"]),
        avg_days_to_resolve=days(rec["avg_days_to_resolve"]),
        median_days_to_resolve=days(rec["median_days_to_resolve"]),
    )
    return AnalyticsOut(
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        interval=interval,
        rates=rates,
        top_reasons=top,
        recovery=recovery,
    )


async def risk(
    session: AsyncSession, tenant_id: str, item: RiskItemIn, window_days: int, today: date
) -> RiskOut:
    repo = AnalyticsRepository(session, tenant_id)
    since = today - timedelta(days=window_days)
    wanted = None if item.modifiers is None else ",".join(sorted(item.modifiers))
    every = await repo.risk(item.payer_id, item.procedure_code, since, None)
    by_modifiers = [
        ModifierRisk(
            modifiers=[m for m in r["modifiers"].split(",") if m],
            lines=r["lines"],
            denied=r["denied"],
            denial_rate=ratio(r["denied"], r["lines"]),
        )
        for r in every
    ]
    chosen = [r for r in every if wanted is None or r["modifiers"] == wanted]
    lines = sum(r["lines"] for r in chosen)
    denied = sum(r["denied"] for r in chosen)
    amount = sum((Decimal(r["denied_amount"]) for r in chosen), Decimal("0.00"))
    reasons = await repo.risk_reasons(item.payer_id, item.procedure_code, since, wanted)
    rate = ratio(denied, lines) if lines else None
    message = None
    if rate is not None and denied:
        which = ""
        if item.modifiers is not None:
            which = (
                f" with modifiers {' '.join(item.modifiers)}"
                if item.modifiers
                else " without modifiers"
            )
        message = (
            f"payer {item.payer_id} denied {rate * 100:.0f}% of {item.procedure_code}{which} "
            f"in the last {window_days} days ({denied} of {lines} lines)"
        )
    return RiskOut(
        payer_id=item.payer_id,
        procedure_code=item.procedure_code,
        modifiers=item.modifiers,
        window_days=window_days,
        since=since,
        lines=lines,
        denied=denied,
        denied_amount=amount,
        denial_rate=rate,
        sufficient_history=lines >= MIN_LINES,
        top_reasons=[ReasonCount(**r) for r in reasons],
        by_modifiers=by_modifiers,
        message=message,
    )
