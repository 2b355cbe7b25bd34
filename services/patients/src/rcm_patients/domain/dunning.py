"""Statement cycles and dunning. Pure: no I/O.

Each cycle, an account whose patient-due balance reaches the clinic's minimum gets a
statement. Left unpaid past its due date, the next cycle escalates it: statement, second
notice, final notice; a final notice unpaid past its due date flags the account for
collections instead of a fourth letter. Any patient payment since the last letter starts
the steps over. An account keeping a payment plan gets a plan statement (the installment
due) every cycle and never escalates; a broken plan resumes the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NOTICES = {1: "statement", 2: "second_notice", 3: "final_notice"}
PLAN_STATEMENT = "plan_statement"


class Rules(BaseModel):
    """A clinic's statement policy."""

    model_config = ConfigDict(extra="forbid")

    cycle_days: int = Field(default=30, ge=1, le=365, description="days between statements")
    minimum_balance: Decimal = Field(
        default=Decimal("5.00"), ge=0, max_digits=10, decimal_places=2,
        description="no statement below this patient-due balance",
    )  # fmt: skip
    due_days: int = Field(default=21, ge=1, le=120, description="due date: issue day + this")
    final_notice_level: int = Field(
        default=3, ge=1, le=3, description="the notice after which collections comes: 1 to 3"
    )
    collections: bool = Field(default=True, description="flag after an unpaid final notice")
    plan_grace_days: int = Field(
        default=10, ge=0, le=60, description="an installment is missed this long after due"
    )
    plan_missed_to_break: int = Field(
        default=2, ge=1, le=12, description="missed installments that break a plan"
    )
    payment_instructions: str = Field(
        default="Pay by check to the clinic at the address above, or call our billing office.",
        max_length=300,
    )


@dataclass(frozen=True, slots=True)
class LastLetter:
    issued_on: date
    due_date: date
    level: int  # 0 for a plan statement
    statement_id: str


@dataclass(frozen=True, slots=True)
class Step:
    action: Literal["none", "statement", "collections"]
    level: int = 0
    notice: str = ""
    reason: str = ""


def next_step(  # noqa: PLR0911 - one return per rule: it reads as the rule table
    *,
    as_of: date,
    due_balance: Decimal,
    last: LastLetter | None,
    paid_since_last: bool,
    keeping_plan: bool,
    rules: Rules,
) -> Step:
    if due_balance <= 0 or due_balance < rules.minimum_balance:
        return Step("none", reason="below the minimum balance")
    if last is not None and as_of < last.issued_on + timedelta(days=rules.cycle_days):
        return Step("none", reason="within the cycle of the last statement")
    if keeping_plan:
        return Step("statement", 0, PLAN_STATEMENT)
    if last is None or paid_since_last or last.level == 0:
        return Step("statement", 1, notice_of(1, rules))
    if as_of <= last.due_date:  # a short cycle: the same letter again, not a worse one
        return Step("statement", last.level, notice_of(last.level, rules))
    if last.level >= rules.final_notice_level:
        if rules.collections:
            return Step("collections", last.level, reason="final notice unpaid past due")
        return Step("statement", last.level, notice_of(last.level, rules))
    return Step("statement", last.level + 1, notice_of(last.level + 1, rules))


def notice_of(level: int, rules: Rules) -> str:
    return NOTICES[3] if level >= rules.final_notice_level else NOTICES[level]


def rules_of(stored: dict[str, Any] | None, defaults: Rules) -> Rules:
    return Rules.model_validate({**defaults.model_dump(), **(stored or {})})
