"""Dunning steps, payment plan schedules and missed installments, card number refusal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from rcm_patients.domain import plans
from rcm_patients.domain.dunning import LastLetter, Rules, next_step
from rcm_patients.domain.payments import looks_like_a_card_number

D = Decimal
DAY = date(2026, 12, 1)
RULES = Rules()


def letter(level: int, days_ago: int) -> LastLetter:
    issued = DAY - timedelta(days=days_ago)
    return LastLetter(issued, issued + timedelta(days=RULES.due_days), level, f"s{level}")


def step(last: LastLetter | None, *, paid: bool = False, plan: bool = False, due: str = "80"):  # type: ignore[no-untyped-def]
    return next_step(
        as_of=DAY,
        due_balance=D(due),
        last=last,
        paid_since_last=paid,
        keeping_plan=plan,
        rules=RULES,
    )


def test_the_steps_escalate_to_collections() -> None:
    assert (step(None).action, step(None).notice) == ("statement", "statement")
    assert step(letter(1, 30)).notice == "second_notice"
    assert step(letter(2, 30)).notice == "final_notice"
    final = step(letter(3, 30))
    assert final.action == "collections"


def test_a_payment_starts_the_steps_over() -> None:
    assert step(letter(2, 30), paid=True).notice == "statement"


def test_nothing_within_the_cycle_or_below_the_minimum() -> None:
    assert step(letter(1, 10)).action == "none"
    assert step(None, due="4.99").action == "none"


def test_a_kept_plan_never_escalates() -> None:
    for level in (1, 2, 3):
        s = step(letter(level, 30), plan=True)
        assert (s.action, s.notice) == ("statement", "plan_statement")


def test_a_shorter_dunning_ends_sooner() -> None:
    rules = Rules(final_notice_level=2)
    s = next_step(
        as_of=DAY, due_balance=D(80), last=letter(1, 30), paid_since_last=False,
        keeping_plan=False, rules=rules,
    )  # fmt: skip
    assert s.notice == "final_notice"


def test_a_schedule_adds_up_and_keeps_the_day() -> None:
    first = plans.first_due(date(2026, 12, 3), 15)
    assert first == date(2026, 12, 15)
    assert plans.first_due(date(2026, 12, 20), 15) == date(2027, 1, 15)
    items = plans.schedule(D("100.00"), 3, 15, first)
    assert [i.amount for i in items] == [D("33.33"), D("33.33"), D("33.34")]
    assert [i.due_date for i in items] == [date(2026, 12, 15), date(2027, 1, 15), date(2027, 2, 15)]


def test_missed_only_after_the_grace() -> None:
    due = date(2026, 12, 15)
    assert not plans.is_missed(due, D(50), D(0), due + timedelta(days=10), grace=10)
    assert plans.is_missed(due, D(50), D(0), due + timedelta(days=11), grace=10)
    assert not plans.is_missed(due, D(50), D(50), due + timedelta(days=40), grace=10)


def test_a_payment_fills_installments_oldest_first() -> None:
    assert plans.spread([(2, D(50), D(0)), (1, D(50), D(20))], D(60)) == [(1, D(30)), (2, D(30))]


@pytest.mark.parametrize(
    ("text", "is_card"),
    [
        ("4111 1111 1111 1111", True),
        ("4111-1111-1111-1111", True),
        ("5500005555555559", True),
        ("4111111111111112", False),  # fails Luhn
        ("ch_3PqLx2Ab", False),  # a processor's charge id
        ("1042", False),  # a check number
    ],
)
def test_card_numbers_are_told_apart(text: str, is_card: bool) -> None:
    assert looks_like_a_card_number(text) is is_card
