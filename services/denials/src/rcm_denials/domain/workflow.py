"""A denial work item's states, its deadline and its priority."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from rcm_denials.domain.codes import CATEGORIES
from rcm_shared.errors import Conflict

DEFAULT_APPEAL_WINDOW_DAYS = 90  # when the payer's own window is not known


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    APPEALED = "appealed"
    RESUBMITTED = "resubmitted"
    RESOLVED = "resolved"
    WRITTEN_OFF = "written_off"


S = Status
TERMINAL = frozenset({S.RESOLVED, S.WRITTEN_OFF})
WORKING = frozenset({S.OPEN, S.IN_PROGRESS, S.APPEALED, S.RESUBMITTED})

# A payer's answer can arrive in any working state (a biller may appeal again after a second
# denial); RESOLVED goes back to OPEN only when the payment that resolved it is reversed.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.APPEALED, S.RESUBMITTED, S.RESOLVED, S.WRITTEN_OFF}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.APPEALED, S.RESUBMITTED, S.RESOLVED, S.WRITTEN_OFF}),
    S.APPEALED: frozenset({S.OPEN, S.APPEALED, S.RESUBMITTED, S.RESOLVED, S.WRITTEN_OFF}),
    S.RESUBMITTED: frozenset({S.OPEN, S.APPEALED, S.RESOLVED, S.WRITTEN_OFF}),
    S.RESOLVED: frozenset({S.OPEN}),
    S.WRITTEN_OFF: frozenset({S.OPEN}),
}


def can_move(current: str, target: Status) -> bool:
    return target in TRANSITIONS[Status(current)]


def move(current: str, target: Status) -> Status:
    if not can_move(current, target):
        raise Conflict(
            f"a {current} denial cannot become {target.value}",
            {"status": current, "wanted": target.value},
        )
    return target


def appeal_deadline(remittance_date: date, appeal_window_days: int | None) -> date:
    return remittance_date + timedelta(days=appeal_window_days or DEFAULT_APPEAL_WINDOW_DAYS)


PRIORITY_PLACES = Decimal("0.000001")


def priority(denied: Decimal, recoverability: Decimal, deadline: date, today: date) -> Decimal:
    """Expected dollars back per day left to act: denied amount x recoverability of its
    category / days left to the appeal deadline. Past the deadline the appeal is lost: 0."""
    days_left = (deadline - today).days
    if days_left <= 0:
        return Decimal(0).quantize(PRIORITY_PLACES)
    return (denied * recoverability / days_left).quantize(PRIORITY_PLACES, ROUND_HALF_UP)


STATUS_NAMES = frozenset(s.value for s in Status)
CATEGORY_NAMES = frozenset(CATEGORIES)
