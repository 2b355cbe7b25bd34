"""The ledger's rules without a database: the patient's share of a claim payment, the
deciding payer of a visit, and the entries that move the ledger to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rcm_patients.domain import ledger
from rcm_patients.domain.ledger import (
    INSURANCE_ADJUSTED,
    INSURANCE_PAID,
    RESPONSIBILITY,
    REVERSAL,
    Payment,
    changes,
    decide,
    paid_by_insurance,
    shares_of,
)
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated

D = Decimal


def adj(code: str, amount: str) -> Adjustment:
    group, carc = code.split("-")
    return Adjustment(group_code=group, reason_code=carc, amount=D(amount))


def clp(lines: list[AdjudicatedLine], **extra: object) -> ClaimPaymentAdjudicated:
    fields: dict[str, object] = {
        "claim_key": "c1",
        "claim_id": "c1",
        "patient_control_number": "PCN1",
        "remittance_id": "r1",
        "payment_id": "p1",
        "payer_id": "87726",
        "payer_claim_control_number": None,
        "claim_status_code": "1",
        "total_charge": sum((ln.charge for ln in lines), D(0)),
        "paid_amount": sum((ln.paid for ln in lines), D(0)),
        "patient_responsibility": D(0),
        "lines": lines,
        "remittance_date": date(2026, 11, 2),
        **extra,
    }
    return ClaimPaymentAdjudicated(**fields)  # type: ignore[arg-type]


def line(code: str, charge: str, paid: str, *adjustments: Adjustment) -> AdjudicatedLine:
    return AdjudicatedLine(
        procedure_code=code, charge=D(charge), paid=D(paid), adjustments=list(adjustments)
    )


def test_the_patient_share_is_the_pr_adjustments_by_line_and_kind() -> None:
    payment = clp(
        [
            line("99213", "150", "80", adj("CO-45", "20"), adj("PR-1", "30"), adj("PR-2", "20")),
            line("85025", "40", "0", adj("PR-3", "25"), adj("CO-45", "15")),
            line("J1100", "10", "0", adj("PR-96", "10")),
        ]
    )
    shares, paid = shares_of(payment)
    assert shares == {
        ("1:99213", "deductible"): D("30"),
        ("1:99213", "coinsurance"): D("20"),
        ("2:85025", "copay"): D("25"),
        ("3:J1100", "non_covered"): D("10"),
    }
    assert paid == {"1:99213": D("80"), "2:85025": D("0"), "3:J1100": D("0")}


def test_a_clp05_without_pr_adjustments_is_a_claim_level_share() -> None:
    shares, _ = shares_of(clp([line("99213", "100", "60")], patient_responsibility=D("40")))
    assert shares == {("claim", "non_covered"): D("40")}


def pay(pid: str, level: int, shares: dict[ledger.Key, str], **kw: object) -> Payment:
    fields: dict[str, object] = {
        "payment_id": pid,
        "claim_id": f"claim-{level}",
        "level": level,
        "claim_seq": level,
        "is_reversal": False,
        "reversed_payment_id": None,
        "shares": {k: D(v) for k, v in shares.items()},
        "line_paid": {},
        **kw,
    }
    return Payment(**fields)  # type: ignore[arg-type]


L1 = ("1:99213", "coinsurance")


def test_the_primary_makes_the_patient_responsible() -> None:
    decision = decide([pay("p1", 1, {L1: "40"})])
    assert [
        (c.kind, c.amount) for c in changes({}, decision, reversal=False, later_payer=False)
    ] == [(RESPONSIBILITY, D("40"))]


def test_the_secondary_pays_part_and_adjusts_the_rest() -> None:
    primary = pay("p1", 1, {L1: "40"}, forwarded=True)
    secondary = pay("p2", 2, {L1: "5"}, line_paid={"1:99213": D("30")}, claim_seq=9)
    decision = decide([primary, secondary])
    assert decision is not None and decision.level == 2 and not decision.awaiting_next_payer
    moves = changes({L1: D("40")}, decision, reversal=False, later_payer=True)
    assert [(c.kind, c.amount) for c in moves] == [
        (INSURANCE_PAID, D("-30")),
        (INSURANCE_ADJUSTED, D("-5")),
    ]
    assert sum(c.amount for c in moves) + D("40") == D("5")  # what the secondary left


def test_a_primary_that_forwards_keeps_the_balance_waiting() -> None:
    decision = decide([pay("p1", 1, {L1: "40"}, forwarded=True)])
    assert decision is not None and decision.awaiting_next_payer


def test_a_reversal_cancels_its_payment_and_the_corrected_payment_counts() -> None:
    original = pay("p1", 1, {L1: "40"})
    reversal = pay("p2", 1, {L1: "-40"}, is_reversal=True, reversed_payment_id="p1")
    assert decide([original, reversal]) is None
    moves = changes({L1: D("40")}, decide([original, reversal]), reversal=True, later_payer=False)
    assert [(c.kind, c.amount) for c in moves] == [(REVERSAL, D("-40"))]
    corrected = pay("p3", 1, {L1: "25"})
    decision = decide([original, reversal, corrected])
    assert decision is not None and decision.target == {L1: D("25")}


def test_a_reversal_of_an_unseen_payment_counts_with_its_negated_amounts() -> None:
    orphan = pay("p2", 1, {L1: "-40"}, is_reversal=True, reversed_payment_id=None)
    decision = decide([pay("p1", 1, {L1: "40"}), orphan])
    assert decision is not None and decision.target == {}


def test_a_corrected_claim_supersedes_its_original_at_the_same_payer() -> None:
    denied = pay("p1", 1, {}, claim_seq=1, paid=D("0"))
    paid = pay("p2", 1, {L1: "15"}, claim_seq=5, paid=D("85"))
    decision = decide([denied, paid])
    assert decision is not None and decision.target == {L1: D("15")}
    assert paid_by_insurance([denied, paid]) == D("85")


def test_insurance_paid_adds_the_levels() -> None:
    assert paid_by_insurance(
        [pay("p1", 1, {}, paid=D("60")), pay("p2", 2, {}, paid=D("30"), claim_seq=7)]
    ) == D("90")


def test_a_payment_goes_to_the_oldest_visits_first() -> None:
    visits = [("v1", D("10")), ("v2", D("0")), ("v3", D("50"))]
    assert ledger.oldest_first(visits, D("30")) == [("v1", D("10")), ("v3", D("20"))]
