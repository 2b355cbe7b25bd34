"""Patient A/R measures. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")
BUCKETS = ("0-30", "31-60", "61-90", "91-120", "121+")


def bucket(days: int) -> str:
    for limit, name in zip((30, 60, 90, 120), BUCKETS, strict=False):
        if days <= limit:
            return name
    return BUCKETS[-1]


@dataclass(frozen=True, slots=True)
class VisitFigures:
    """One visit's patient side: what insurance made the patient owe (net), what the
    patient paid (net of refunds), its balance, whether a payer still decides, since when
    the patient owes, and the day of the last patient payment."""

    responsibility: Decimal
    collected: Decimal
    balance: Decimal
    pending_insurance: bool
    due_since: date | None
    last_paid_on: date | None


@dataclass(frozen=True, slots=True)
class PatientKpis:
    patient_ar: Decimal
    pending_insurance: Decimal
    aging: dict[str, Decimal]
    responsibility: Decimal
    collected: Decimal
    collection_rate: Decimal | None
    days_to_collect: Decimal | None
    visits_collected: int


def measure(visits: Iterable[VisitFigures], as_of: date) -> PatientKpis:
    aging = dict.fromkeys(BUCKETS, ZERO)
    ar = pending = responsibility = collected = ZERO
    days: list[int] = []
    for v in visits:
        responsibility += v.responsibility
        collected += v.collected
        if v.balance > 0 and v.pending_insurance:
            pending += v.balance
        elif v.balance > 0:
            ar += v.balance
            aging[bucket((as_of - (v.due_since or as_of)).days)] += v.balance
        if v.responsibility > 0 and v.balance <= 0 and v.last_paid_on and v.due_since:
            days.append(max(0, (v.last_paid_on - v.due_since).days))
    return PatientKpis(
        patient_ar=ar,
        pending_insurance=pending,
        aging=aging,
        responsibility=responsibility,
        collected=collected,
        collection_rate=(collected / responsibility).quantize(Decimal("0.0001"))
        if responsibility > 0
        else None,
        days_to_collect=(Decimal(sum(days)) / len(days)).quantize(Decimal("0.1")) if days else None,
        visits_collected=len(days),
    )
