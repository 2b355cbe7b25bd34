"""Revenue-cycle KPIs from per-(payer, clinic) counts. Pure arithmetic; the repository
does the counting.

- clean claim rate: claims that passed the scrubber the first time / claims scrubbed
- first-pass acceptance: claims whose first acknowledgment accepted them / acknowledged
- denial rate: claims whose first adjudication was a denial / adjudicated (count), and
  the same by dollars charged
- paid: what the payers paid for the period's visits, corrected (frequency-7) claims
  included, so it equals the remittance service's postings for them; paid on corrections
  is that part of it, and paid by secondary payers the part secondary and tertiary
  payers paid (rates and charges count the original claim to the primary payer only)
- days in A/R: open balance / average daily charges over the period
- average days to payment: first submission to first payment
- A/R aging: open balance by days since the date of service
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
CENT = Decimal("0.01")


@dataclass
class Counts:
    claims: int = 0
    scrubbed: int = 0
    clean: int = 0
    acked: int = 0
    accepted_first: int = 0
    adjudicated: int = 0
    denied: int = 0
    charges: Decimal = Decimal(0)
    denied_charges: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    paid_on_corrections: Decimal = Decimal(0)
    paid_by_later_payers: Decimal = Decimal(0)
    days_to_pay_sum: Decimal = Decimal(0)
    days_to_pay_n: int = 0
    open_balance: Decimal = Decimal(0)
    aging: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, Decimal(0)))

    def add(self, other: Counts) -> None:
        for name in (
            "claims",
            "scrubbed",
            "clean",
            "acked",
            "accepted_first",
            "adjudicated",
            "denied",
            "charges",
            "denied_charges",
            "paid",
            "paid_on_corrections",
            "paid_by_later_payers",
            "days_to_pay_sum",
            "days_to_pay_n",
            "open_balance",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for bucket in BUCKETS:
            self.aging[bucket] += other.aging[bucket]


def rate(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def report(counts: Counts, period_days: int) -> dict[str, object]:
    daily_charges = counts.charges / period_days if period_days else Decimal(0)
    return {
        "claims": counts.claims,
        "clean_claim_rate": rate(counts.clean, counts.scrubbed),
        "first_pass_acceptance_rate": rate(counts.accepted_first, counts.acked),
        "denial_rate": rate(counts.denied, counts.adjudicated),
        "denial_rate_dollars": rate(counts.denied_charges, counts.charges),
        "charges": counts.charges.quantize(CENT),
        "paid": counts.paid.quantize(CENT),
        "paid_on_corrections": counts.paid_on_corrections.quantize(CENT),
        "paid_by_secondary_payers": counts.paid_by_later_payers.quantize(CENT),
        "open_balance": counts.open_balance.quantize(CENT),
        "days_in_ar": (counts.open_balance / daily_charges).quantize(Decimal("0.1"))
        if daily_charges
        else None,
        "average_days_to_payment": (counts.days_to_pay_sum / counts.days_to_pay_n).quantize(
            Decimal("0.1")
        )
        if counts.days_to_pay_n
        else None,
        "ar_aging": {b: v.quantize(CENT) for b, v in counts.aging.items()},
    }


def grouped(rows: Iterable[tuple[str, Counts]], period_days: int) -> dict[str, object]:
    totals = Counts()
    per: dict[str, Counts] = defaultdict(Counts)
    for key, counts in rows:
        per[key].add(counts)
        totals.add(counts)
    return {
        "total": report(totals, period_days),
        "groups": {key: report(c, period_days) for key, c in sorted(per.items())},
    }
