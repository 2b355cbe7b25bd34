"""Payment plans: the schedule of a balance in installments, and which installments are
missed. Pure: no I/O."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Installment:
    number: int
    due_date: date
    amount: Decimal


def _on_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def first_due(start: date, day_of_month: int) -> date:
    """The first `day_of_month` after `start` (the next month's when it has passed)."""
    this_month = _on_day(start.year, start.month, day_of_month)
    if this_month > start:
        return this_month
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return _on_day(year, month, day_of_month)


def schedule(total: Decimal, count: int, day_of_month: int, first: date) -> list[Installment]:
    """Equal installments rounded down to the cent; the last takes the remainder."""
    each = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    out = []
    year, month = first.year, first.month
    for number in range(1, count + 1):
        amount = each if number < count else total - each * (count - 1)
        out.append(Installment(number, _on_day(year, month, day_of_month), amount))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def is_missed(due_date: date, amount: Decimal, paid: Decimal, as_of: date, grace: int) -> bool:
    return paid < amount and as_of > due_date + timedelta(days=grace)


def spread(
    installments: list[tuple[int, Decimal, Decimal]], amount: Decimal
) -> list[tuple[int, Decimal]]:
    """A payment over (number, amount, paid) installments, oldest unpaid first."""
    left = amount
    out = []
    for number, due, paid in sorted(installments):
        if left <= 0:
            break
        take = min(due - paid, left)
        if take > 0:
            out.append((number, take))
            left -= take
    return out
