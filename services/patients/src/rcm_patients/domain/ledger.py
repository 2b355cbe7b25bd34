"""What the patient owes on a visit, from the payers' adjudications. Pure: no I/O.

The patient's share is what the deciding payer says it is: the last payer in the visit's
chain (primary, secondary, tertiary) with a live adjudication, and at that payer the
latest claim (a correction supersedes its original). Its PR adjustments, by line and by
kind (deductible, coinsurance, copay, non-covered), are the target; the ledger moves to
the target with entries that say why: a charge when a payer makes the patient
responsible, a credit when a later payer pays or adjusts part of it, a reversal when a
payer takes its decision back (CLP02 22).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rcm_shared.events.remittance import ClaimPaymentAdjudicated

ZERO = Decimal("0.00")
CLAIM_LEVEL = "claim"  # the line key of a claim-level (CLP/CAS) patient share

# CARC of a PR adjustment -> what the statement calls it
CATEGORY_OF_CARC = {"1": "deductible", "2": "coinsurance", "3": "copay"}
CATEGORIES = ("deductible", "coinsurance", "copay", "non_covered")

# ledger entry kinds
RESPONSIBILITY = "patient_responsibility"  # a payer made the patient responsible
REVERSAL = "reversal"  # a payer took back the decision that made it so
INSURANCE_PAID = "insurance_paid"  # a later payer paid part of the patient's share
INSURANCE_ADJUSTED = "insurance_adjusted"  # a later payer reduced it otherwise
PATIENT_PAYMENT = "patient_payment"
REFUND = "refund"
INSURANCE_KINDS = (RESPONSIBILITY, REVERSAL, INSURANCE_PAID, INSURANCE_ADJUSTED)

Key = tuple[str, str]  # (line key, category)


def category_of(carc: str) -> str:
    return CATEGORY_OF_CARC.get(carc, "non_covered")


def line_key(number: int, procedure_code: str) -> str:
    """A line's key across the claims of a visit: position and code (a secondary claim
    repeats the primary's lines in order; a correction that changes a code is a new line)."""
    return f"{number}:{procedure_code}"


def encode(key: Key) -> str:
    return f"{key[0]}|{key[1]}"


def decode(text: str) -> Key:
    line, _, category = text.rpartition("|")
    return line, category


def shares_of(payment: ClaimPaymentAdjudicated) -> tuple[dict[Key, Decimal], dict[str, Decimal]]:
    """(the patient's share by line and category, what the payer paid by line) of one
    claim payment. A CLP05 with no PR adjustment behind it is a claim-level share."""
    shares: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for number, line in enumerate(payment.lines, start=1):
        key = line_key(number, line.procedure_code)
        paid[key] += line.paid
        for adj in line.adjustments:
            if adj.group_code == "PR":
                shares[key, category_of(adj.reason_code)] += adj.amount
    for adj in payment.adjustments:
        if adj.group_code == "PR":
            shares[CLAIM_LEVEL, category_of(adj.reason_code)] += adj.amount
    if not shares and payment.patient_responsibility:
        shares[CLAIM_LEVEL, "non_covered"] = payment.patient_responsibility
    return dict(shares), dict(paid)


@dataclass(frozen=True, slots=True)
class Payment:
    """A claim payment as the ledger needs it."""

    payment_id: str
    claim_id: str
    level: int  # the claim's payer level: 1 primary, 2 secondary, 3 tertiary
    claim_seq: int  # the claim's arrival order: a later claim at a level supersedes
    is_reversal: bool
    reversed_payment_id: str | None
    shares: Mapping[Key, Decimal]
    line_paid: Mapping[str, Decimal]
    forwarded: bool = False  # the payer forwarded the claim (crossover) or one is on file
    paid: Decimal = ZERO  # CLP04


@dataclass(frozen=True, slots=True)
class Decision:
    """The deciding payer's word on a visit: the patient's share by key."""

    level: int
    claim_id: str
    target: dict[Key, Decimal]
    line_paid: dict[str, Decimal]
    awaiting_next_payer: bool


def live(payments: Iterable[Payment]) -> list[Payment]:
    """Payments still in force: a reversal cancels the payment it names, and itself; one
    whose original was never seen counts as it is (its amounts are negated)."""
    items = list(payments)
    reversed_ids = {p.reversed_payment_id for p in items if p.is_reversal and p.reversed_payment_id}
    return [
        p
        for p in items
        if p.payment_id not in reversed_ids and not (p.is_reversal and p.reversed_payment_id)
    ]


def decide(payments: Iterable[Payment]) -> Decision | None:
    in_force = live(payments)
    if not in_force:
        return None
    level, seq = max((p.level, p.claim_seq) for p in in_force)
    chosen = [p for p in in_force if p.level == level and p.claim_seq == seq]
    target: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in chosen:
        for key, amount in p.shares.items():
            target[key] += amount
        for line, amount in p.line_paid.items():
            paid[line] += amount
    return Decision(
        level=level,
        claim_id=chosen[0].claim_id,
        target={k: v for k, v in target.items() if v},
        line_paid=dict(paid),
        awaiting_next_payer=any(p.forwarded for p in chosen),
    )


def paid_by_insurance(payments: Iterable[Payment]) -> Decimal:
    """What the visit's payers paid: at each payer level, its latest claim's live payments."""
    in_force = live(payments)
    latest: dict[int, int] = {}
    for p in in_force:
        latest[p.level] = max(latest.get(p.level, p.claim_seq), p.claim_seq)
    return sum((p.paid for p in in_force if latest[p.level] == p.claim_seq), ZERO)


@dataclass(frozen=True, slots=True)
class Change:
    line_key: str
    category: str
    kind: str
    amount: Decimal


def changes(
    current: Mapping[Key, Decimal],
    decision: Decision | None,
    *,
    reversal: bool,
    later_payer: bool,
) -> list[Change]:
    """The entries that move the ledger's insurance side from `current` to the decision.

    `reversal`: what moves, moves because a payer took its decision back. `later_payer`: the
    decision is a secondary's (or tertiary's) over what a prior payer left to the patient;
    what it paid on a line is told apart from what it adjusted."""
    target = decision.target if decision else {}
    deltas = {
        key: target.get(key, ZERO) - current.get(key, ZERO)
        for key in sorted(set(current) | set(target))
    }
    deltas = {k: v for k, v in deltas.items() if v}
    if reversal:
        return [Change(k[0], k[1], REVERSAL, v) for k, v in deltas.items()]
    if not later_payer or decision is None:
        return [Change(k[0], k[1], RESPONSIBILITY, v) for k, v in deltas.items()]
    out: list[Change] = []
    paid_left = dict(decision.line_paid)
    for (line, category), delta in deltas.items():
        if delta > 0:
            out.append(Change(line, category, RESPONSIBILITY, delta))
            continue
        by_payer = min(-delta, paid_left.get(line, ZERO))
        if by_payer > 0:
            paid_left[line] = paid_left.get(line, ZERO) - by_payer
            out.append(Change(line, category, INSURANCE_PAID, -by_payer))
        if -delta > by_payer:
            out.append(Change(line, category, INSURANCE_ADJUSTED, delta + by_payer))
    return out


@dataclass(frozen=True, slots=True)
class OpenVisit:
    visit_id: str
    balance: Decimal
    pending_insurance: bool
    due_since: date | None
    service_date: date


def payment_order(visits: Iterable[OpenVisit]) -> list[tuple[str, Decimal]]:
    """Where a patient payment goes first: what is billed to the patient, oldest first,
    then what still waits on a payer."""
    ordered = sorted(
        visits, key=lambda v: (v.pending_insurance, v.due_since or v.service_date, v.service_date)
    )
    return [(v.visit_id, v.balance) for v in ordered]


def oldest_first(
    open_visits: Sequence[tuple[str, Decimal]], amount: Decimal
) -> list[tuple[str, Decimal]]:
    """A patient payment spread over (visit, balance) in the order given, oldest first."""
    left = amount
    out: list[tuple[str, Decimal]] = []
    for visit_id, balance in open_visits:
        if left <= 0:
            break
        if balance <= 0:
            continue
        take = min(balance, left)
        out.append((visit_id, take))
        left -= take
    return out
