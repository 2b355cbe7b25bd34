from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.domain.kpis import Counts, grouped
from rcm_claims.repository import ClaimRepository
from rcm_shared.auth import Principal

GroupBy = Literal["payer", "clinic", "none"]


async def kpis(
    session: AsyncSession,
    principal: Principal,
    date_from: date,
    date_to: date,
    group_by: GroupBy,
    as_of: date,
) -> dict[str, object]:
    repo = ClaimRepository(session, principal.tenant_id)
    clinics = principal.clinic_ids
    per: dict[tuple[str, str], Counts] = defaultdict(Counts)
    for row in await repo.kpi_rows(date_from, date_to, clinics):
        c = per[(row.payer_id, row.clinic_id)]
        c.claims, c.scrubbed, c.clean = row.claims, row.scrubbed, row.clean
        c.acked, c.accepted_first = row.acked, row.accepted_first
        c.adjudicated, c.denied = row.adjudicated, row.denied
        c.charges, c.denied_charges = Decimal(row.charges), Decimal(row.denied_charges)
        c.paid, c.paid_on_corrections = Decimal(row.paid), Decimal(row.paid_on_corrections)
        c.paid_by_later_payers = Decimal(row.paid_by_later_payers)
    for row in await repo.days_to_payment(date_from, date_to, clinics):
        c = per[(row.payer_id, row.clinic_id)]
        c.days_to_pay_sum = Decimal(str(row.days)) * row.claims
        c.days_to_pay_n = row.claims
    for row in await repo.open_receivables(as_of, clinics):
        c = per[(row.payer_id, row.clinic_id)]
        c.open_balance += Decimal(row.balance)
        c.aging[row.bucket] += Decimal(row.balance)

    def key(payer: str, clinic: str) -> str:
        return {"payer": payer, "clinic": clinic, "none": "all"}[group_by]

    period = (date_to - date_from).days + 1
    result = grouped(((key(p, c), counts) for (p, c), counts in per.items()), period)
    return {"from": date_from, "to": date_to, "as_of": as_of, "group_by": group_by, **result}
