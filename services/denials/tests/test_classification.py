"""What is a denial and why, from real CARC/RARC combinations seen on 835s."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rcm_denials.domain.classification import decide
from rcm_denials.domain.codes import CATEGORIES, codebook, load
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated

BOOK = codebook()


def adj(code: str, amount: str) -> Adjustment:
    group, carc = code.split("-", 1)
    return Adjustment(group_code=group, reason_code=carc, amount=Decimal(amount))


def payment(
    status: str = "1",
    charge: str = "200.00",
    paid: str = "0.00",
    claim_adjustments: list[Adjustment] | None = None,
    remarks: list[str] | None = None,
    lines: list[AdjudicatedLine] | None = None,
    patient: str = "0.00",
) -> ClaimPaymentAdjudicated:
    return ClaimPaymentAdjudicated(
        claim_key="c-1",
        claim_id="c-1",
        patient_control_number="PCN1",
        remittance_id="r-1",
        payment_id="p-1",
        payer_id="87726",
        payer_claim_control_number="ICN1",
        claim_status_code=status,
        total_charge=Decimal(charge),
        paid_amount=Decimal(paid),
        patient_responsibility=Decimal(patient),
        adjustments=claim_adjustments or [],
        remark_codes=remarks or [],
        lines=lines or [],
        remittance_date=date(2026, 3, 2),
    )


def line(
    code: str,
    charge: str,
    paid: str,
    adjustments: list[Adjustment],
    remarks: list[str] | None = None,
    allowed: str | None = None,
    modifiers: list[str] | None = None,
) -> AdjudicatedLine:
    return AdjudicatedLine(
        procedure_code=code,
        modifiers=modifiers or [],
        charge=Decimal(charge),
        paid=Decimal(paid),
        adjustments=adjustments,
        remark_codes=remarks or [],
        allowed_amount=Decimal(allowed) if allowed is not None else None,
    )


def denied_line(code: str, remarks: list[str] | None = None) -> ClaimPaymentAdjudicated:
    """A claim of one line, paid nothing, for one reason."""
    return payment(
        status="4",
        lines=[line("99213", "200.00", "0.00", [adj(code, "200.00")], remarks)],
    )


@pytest.mark.parametrize(
    ("code", "remarks", "category", "action"),
    [
        ("CO-27", [], "eligibility", "bill_patient"),  # coverage ended before the visit
        ("CO-31", [], "eligibility", "correct_and_resubmit"),  # not our insured
        ("CO-16", ["N30"], "eligibility", "bill_patient"),
        ("CO-197", [], "authorization", "appeal"),
        ("CO-15", [], "authorization", "correct_and_resubmit"),
        ("CO-16", ["M62"], "authorization", "correct_and_resubmit"),
        ("CO-4", [], "coding", "correct_and_resubmit"),  # modifier inconsistent with code
        ("CO-11", [], "coding", "correct_and_resubmit"),
        ("CO-16", ["M51"], "coding", "correct_and_resubmit"),
        ("CO-16", ["N56"], "coding", "correct_and_resubmit"),
        ("CO-50", ["N386"], "medical_necessity", "appeal"),
        ("CO-16", ["N130"], "medical_necessity", "appeal"),
        ("CO-96", ["N130"], "medical_necessity", "appeal"),
        ("CO-151", [], "medical_necessity", "appeal"),
        ("CO-18", [], "duplicate", "write_off"),
        ("OA-18", ["N522"], "duplicate", "write_off"),
        ("CO-B13", [], "duplicate", "write_off"),
        ("CO-29", [], "timely_filing", "appeal"),
        ("CO-16", ["N29"], "missing_information", "correct_and_resubmit"),
        ("CO-16", ["MA130"], "missing_information", "correct_and_resubmit"),
        ("CO-252", [], "missing_information", "correct_and_resubmit"),
        ("CO-97", ["M15"], "bundling", "correct_and_resubmit"),
        ("CO-97", ["N19"], "bundling", "write_off"),  # a CARC-specific remark rule
        ("CO-234", [], "bundling", "correct_and_resubmit"),
        ("CO-236", [], "bundling", "correct_and_resubmit"),
        ("CO-22", [], "coordination_of_benefits", "bill_secondary"),
        # a secondary payer missing the primary's decision: send it again with 2320/2430
        ("CO-16", ["MA04"], "coordination_of_benefits", "correct_and_resubmit"),
        ("CO-96", [], "non_covered", "write_off"),
        ("PR-204", [], "non_covered", "bill_patient"),  # patient responsible: bill the patient
        ("CO-24", [], "pricing", "write_off"),
        ("CO-147", [], "pricing", "appeal"),
        ("CO-A1", [], "other", "appeal"),
        ("CO-193", [], "other", "write_off"),
    ],
)
def test_category_and_action(code: str, remarks: list[str], category: str, action: str) -> None:
    decision = decide(BOOK, denied_line(code, remarks))
    assert decision.denied
    assert (decision.category, decision.action) == (category, action)
    assert decision.carc == code.split("-")[1]
    assert decision.denied_amount == Decimal("200.00")


def test_a_remark_does_not_refine_a_specific_code() -> None:
    # CO-29 (timely filing) says all there is; a coding remark beside it does not move it
    assert decide(BOOK, denied_line("CO-29", ["M51"])).category == "timely_filing"


def test_every_category_is_reachable_from_the_tables() -> None:
    reached = {rule.category for rule in BOOK.carc_rules.values() if rule.denial}
    reached |= {rule.category for rule in BOOK.rarc_rules.values()}
    assert reached == set(CATEGORIES)


@pytest.mark.parametrize(
    "adjustments",
    [
        [adj("CO-45", "60.00")],  # above the fee schedule
        [adj("CO-45", "40.00"), adj("CO-253", "2.80")],  # and sequestration
        [adj("CO-45", "40.00"), adj("PR-1", "50.00"), adj("PR-2", "10.00")],
        [adj("PR-3", "25.00"), adj("CO-45", "35.00")],
    ],
)
def test_contractual_sequestration_and_patient_share_are_not_denials(
    adjustments: list[Adjustment],
) -> None:
    taken = sum((a.amount for a in adjustments), Decimal(0))
    paid = Decimal("200.00") - taken
    decision = decide(
        BOOK,
        payment(
            status="1",
            paid=str(paid),
            lines=[line("99213", "200.00", str(paid), adjustments, allowed=str(paid))],
        ),
    )
    assert not decision.denied
    assert decision.denied_amount == 0
    assert [o.denied for o in decision.outcomes] == [False]


def test_a_line_denied_inside_a_paid_claim() -> None:
    decision = decide(
        BOOK,
        payment(
            status="1",
            charge="300.00",
            paid="80.00",
            lines=[
                line("99213", "100.00", "80.00", [adj("CO-45", "20.00")], allowed="80.00"),
                line(
                    "97110", "200.00", "0.00", [adj("CO-97", "200.00")], ["M15"], modifiers=["GP"]
                ),
            ],
        ),
    )
    assert decision.denied and decision.denied_amount == Decimal("200.00")
    assert [ln.line_number for ln in decision.lines] == [2]
    assert decision.category == "bundling"
    assert [o.denied for o in decision.outcomes] == [False, True]
    assert decision.outcomes[1].modifiers == ("GP",)


def test_paid_less_than_allowed_for_a_denial_reason_is_a_denial() -> None:
    decision = decide(
        BOOK,
        payment(
            status="2",
            paid="50.00",
            lines=[
                line(
                    "20610",
                    "200.00",
                    "50.00",
                    [adj("CO-45", "100.00"), adj("CO-151", "50.00")],
                    allowed="100.00",
                ),
            ],
        ),
    )
    assert decision.denied and decision.denied_amount == Decimal("50.00")
    assert decision.category == "medical_necessity"


def test_paid_the_allowed_amount_is_not_a_denial_even_with_a_reduction_code() -> None:
    decision = decide(
        BOOK,
        payment(
            paid="100.00",
            lines=[line("20610", "200.00", "100.00", [adj("CO-151", "100.00")], allowed="100.00")],
        ),
    )
    assert not decision.denied


def test_claim_level_denial_without_line_detail() -> None:
    decision = decide(
        BOOK,
        payment(status="4", claim_adjustments=[adj("CO-29", "200.00")]),
    )
    assert decision.denied and decision.denied_amount == Decimal("200.00")
    assert (decision.category, decision.carc, decision.group_code) == (
        "timely_filing",
        "29",
        "CO",
    )


def test_claim_status_4_lines_without_their_own_cas_take_the_claims_reason() -> None:
    decision = decide(
        BOOK,
        payment(
            status="4",
            claim_adjustments=[adj("CO-197", "150.00")],
            lines=[line("72148", "150.00", "0.00", [])],
            charge="150.00",
        ),
    )
    assert decision.denied_amount == Decimal("150.00")  # counted once
    assert decision.lines[0].denied_amount == Decimal("150.00")
    assert decision.outcomes[0].carc == "197"


def test_largest_denied_amount_is_the_primary_reason() -> None:
    decision = decide(
        BOOK,
        payment(
            status="4",
            lines=[
                line("99213", "100.00", "0.00", [adj("CO-16", "100.00")], ["N29"]),
                line("97110", "300.00", "0.00", [adj("CO-50", "300.00")], ["N386"]),
            ],
            charge="400.00",
        ),
    )
    assert (decision.carc, decision.category) == ("50", "medical_necessity")
    assert decision.all_carcs == ["16", "50"]


def test_unknown_code_is_a_denial_to_look_at() -> None:
    decision = decide(BOOK, denied_line("CO-999"))
    assert decision.denied and decision.category == "other"


def test_reversal_is_never_a_denial() -> None:
    reversal = payment(
        status="22", paid="-100.00", claim_adjustments=[adj("CO-29", "-100.00")]
    ).model_copy(update={"is_reversal": True, "reversed_payment_id": "p-0"})
    assert not decide(BOOK, reversal).denied


def test_code_lists_name_their_publication_and_hold_the_common_codes() -> None:
    book = load()
    assert "code list 139" in book.carc_publication
    assert "code list 411" in book.rarc_publication
    for code in (
        "1",
        "2",
        "3",
        "4",
        "16",
        "18",
        "22",
        "27",
        "29",
        "45",
        "50",
        "96",
        "97",
        "197",
        "204",
        "234",
        "253",
        "A1",
        "B13",
        "P2",
    ):
        assert code in book.carcs, code
        assert code in book.carc_rules, code
    assert set(book.carcs) == set(book.carc_rules)  # every listed code is mapped
    for code in ("M15", "M51", "MA130", "N29", "N130", "N386"):
        assert code in book.rarcs, code
    assert {rarc for _, rarc in book.rarc_rules} <= set(book.rarcs)
    assert set(book.recoverability) == set(CATEGORIES)
    assert all(Decimal(0) < v <= 1 for v in book.recoverability.values())
