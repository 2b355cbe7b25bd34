"""Work item states, deadline and priority."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rcm_denials.domain.workflow import Status, appeal_deadline, can_move, move, priority
from rcm_shared.errors import Conflict


def test_deadline_uses_the_payers_window_or_90_days() -> None:
    assert appeal_deadline(date(2026, 1, 10), 60) == date(2026, 3, 11)
    assert appeal_deadline(date(2026, 1, 10), None) == date(2026, 4, 10)


def test_priority_is_recoverable_dollars_per_day_left() -> None:
    today = date(2026, 3, 1)
    assert priority(Decimal("1000"), Decimal("0.80"), date(2026, 3, 11), today) == Decimal(
        "80.000000"
    )
    # the same money with less time left comes first
    soon = priority(Decimal("500"), Decimal("0.50"), date(2026, 3, 3), today)
    later = priority(Decimal("500"), Decimal("0.50"), date(2026, 5, 30), today)
    assert soon > later
    # past the deadline the appeal is lost
    assert priority(Decimal("500"), Decimal("0.50"), date(2026, 3, 1), today) == 0


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("open", Status.IN_PROGRESS, True),
        ("in_progress", Status.APPEALED, True),
        ("in_progress", Status.RESUBMITTED, True),
        ("appealed", Status.RESOLVED, True),
        ("resubmitted", Status.WRITTEN_OFF, True),
        ("resolved", Status.OPEN, True),  # a reversal reopens it
        ("resolved", Status.APPEALED, False),
        ("written_off", Status.RESUBMITTED, False),
        ("resubmitted", Status.RESUBMITTED, False),
    ],
)
def test_transitions(current: str, target: Status, allowed: bool) -> None:
    assert can_move(current, target) is allowed
    if not allowed:
        with pytest.raises(Conflict):
            move(current, target)
