"""Coordination of benefits in the claim model, the scrubber and the 837P writer: a
secondary or tertiary claim carries each prior payer's decision (2320, 2330A/B, 2430),
balanced, and pyx12 finds no error in the file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from rcm_claims.domain.claim import ClaimData
from rcm_claims.domain.cob import (
    balance_problems,
    billable_onward,
    decision_from_835,
    next_payer_claim,
)
from rcm_claims.domain.scrubbing import BillingProvider, PayerRules, ScrubContext, scrub
from rcm_claims.domain.x837p import Claim837Error, Payer837, build_837p
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated

from .test_x837p import (
    CHILD,
    ENVELOPE,
    MEDICARE,
    PAYER,
    build_checked,
    claim,
    claim_data,
    elements,
    subscriber,
)

MEDIGAP = Payer837(payer_id="MGAP1", name="Medigap Supplement", claim_filing_indicator="CI")
DECIDED = "2025-06-20"


def cas(group: str, reason: str, amount: str) -> dict[str, str]:
    return {"group_code": group, "reason_code": reason, "amount": amount}


def primary_decision(**extra: Any) -> dict[str, Any]:
    """Medicare on the default claim (150.00 + 45.50): allowed 100 + 30, paid 80%."""
    return {
        "paid_amount": "104.00",
        "adjudication_date": DECIDED,
        "lines": [
            {
                "line_number": 1,
                "procedure_code": "99214",
                "modifiers": ["25"],
                "paid": "80.00",
                "adjustments": [cas("CO", "45", "50.00"), cas("PR", "2", "20.00")],
            },
            {
                "line_number": 2,
                "procedure_code": "93000",
                "paid": "24.00",
                "adjustments": [cas("CO", "45", "15.50"), cas("PR", "2", "6.00")],
            },
        ],
        "remaining_patient_liability": "26.00",
        "payer_claim_control_number": "MCR000123",
        **extra,
    }


def coverage(payer_id: str, responsibility: str, **extra: Any) -> dict[str, Any]:
    return {
        "payer_id": payer_id,
        "responsibility": responsibility,
        "subscriber": subscriber(f"{payer_id}X1"),
        **extra,
    }


def secondary(**extra: Any) -> ClaimData:
    fields: dict[str, Any] = {
        "payer_id": MEDIGAP.payer_id,
        "payer_responsibility": "S",
        "other_coverages": [
            coverage(MEDICARE.payer_id, "P", adjudication=primary_decision()),
        ],
        **extra,
    }
    return claim_data(**fields)


# ------------------------------------------------------------------------- the 837P


def test_secondary_claim_carries_the_primary_decision_and_passes_pyx12() -> None:
    [tx] = build_checked([claim("SEC-1", secondary(), payer=MEDIGAP, other_payers=(MEDICARE,))])
    sbr = [elements(s) for s in tx.find("SBR")]
    assert sbr == [
        ["S", "18", "GRP100", "", "", "", "", "", "CI"],  # 2000B: the secondary is billed
        ["P", "18", "GRP100", "", "", "", "", "", "MB"],  # 2320: Medicare paid first
    ]
    clm = tx.claim("SEC-1")
    ids = [s.id for s in clm]
    # 2320 before the lines, 2430 after each line's DTP*472
    assert ids.index("SBR") < ids.index("LX")
    assert [elements(s) for s in clm if s.id == "AMT"] == [["D", "104"], ["EAF", "26"]]
    assert [elements(s) for s in clm if s.id == "OI"] == [["", "", "Y", "P", "", "Y"]]
    assert [elements(s) for s in clm if s.id == "SVD"] == [
        ["00952", "80", "HC:99214:25", "", "1"],
        ["00952", "24", "HC:93000", "", "1"],
    ]
    assert [elements(s) for s in clm if s.id == "CAS"] == [
        ["CO", "45", "50"], ["PR", "2", "20"], ["CO", "45", "15.5"], ["PR", "2", "6"],
    ]  # fmt: skip
    assert [elements(s) for s in clm if s.id == "DTP" and s.get(1) == "573"] == [
        ["573", "D8", "20250620"]
    ] * 2
    other_payer = [elements(s) for s in clm if s.id == "NM1" and s.get(1) == "PR"]
    assert other_payer == [["PR", "2", "MEDICARE PART B", "", "", "", "", "PI", "00952"]]
    assert ["F8", "MCR000123"] in [elements(s) for s in clm if s.id == "REF"]


def test_tertiary_claim_carries_both_prior_payers() -> None:
    second = {
        "paid_amount": "20.80",
        "adjudication_date": "2025-07-01",
        "adjustments": [cas("OA", "23", "169.50"), cas("PR", "2", "5.20")],
        "remaining_patient_liability": "5.20",
    }
    data = claim_data(
        payer_id="TRI1",
        payer_responsibility="T",
        other_coverages=[
            coverage(MEDIGAP.payer_id, "S", adjudication=second),
            coverage(MEDICARE.payer_id, "P", adjudication=primary_decision()),
        ],
    )
    tertiary = Payer837(payer_id="TRI1", name="State Medicaid", claim_filing_indicator="MC")
    [tx] = build_checked([claim("TER-1", data, payer=tertiary, other_payers=(MEDIGAP, MEDICARE))])
    assert [s.get(1) for s in tx.find("SBR")] == ["T", "P", "S"]  # 2320s in payment order
    clm = tx.claim("TER-1")
    assert [elements(s) for s in clm if s.id == "AMT" and s.get(1) == "D"] == [
        ["D", "104"],
        ["D", "20.8"],
    ]
    # the secondary decided the claim as a whole: its date is on 2330B, and no 2430 of its
    assert [s.get(1) for s in clm if s.id == "SVD"] == ["00952", "00952"]
    assert ["573", "D8", "20250701"] in [elements(s) for s in clm if s.id == "DTP"]


def test_primary_claim_names_the_secondary_without_a_decision() -> None:
    data = claim_data(
        patient=CHILD,
        other_coverages=[coverage(MEDIGAP.payer_id, "S", relationship="19")],
    )
    [tx] = build_checked([claim("PRI-1", data, other_payers=(MEDIGAP,))])
    assert [elements(s)[:2] for s in tx.find("SBR")] == [["P", ""], ["S", "19"]]
    clm = tx.claim("PRI-1")
    assert not [s for s in clm if s.id in ("AMT", "CAS", "SVD")]


def test_primary_and_secondary_claims_of_one_subscriber_get_separate_2000b() -> None:
    primary = claim("PRI-2", claim_data(payer_id=PAYER.payer_id))
    second = claim(
        "SEC-2",
        secondary(payer_id=PAYER.payer_id),
        other_payers=(MEDICARE,),
    )
    [tx] = build_checked([primary, second])
    assert [s.get(1) for s in tx.find("SBR")] == ["P", "S", "P"]


def test_cas_groups_more_than_six_reasons_into_a_second_segment() -> None:
    reasons = [cas("CO", str(45 + i), "1.00") for i in range(7)]
    decision = primary_decision(
        lines=[], adjustments=[*reasons, cas("PR", "1", "84.50")], paid_amount="104.00"
    )
    data = secondary(other_coverages=[coverage(MEDICARE.payer_id, "P", adjudication=decision)])
    [tx] = build_checked([claim("SEC-3", data, payer=MEDIGAP, other_payers=(MEDICARE,))])
    rows = [elements(s) for s in tx.claim("SEC-3") if s.id == "CAS"]
    assert [len(r) for r in rows] == [18, 3, 3]  # group + six triplets, no empty CAS19
    assert [r[0] for r in rows] == ["CO", "CO", "PR"]


def test_unbalanced_cob_is_refused_before_the_file_leaves() -> None:
    bad = primary_decision(paid_amount="110.00")  # lines say 104.00
    data = secondary(other_coverages=[coverage(MEDICARE.payer_id, "P", adjudication=bad)])
    with pytest.raises(Claim837Error, match="COB does not balance"):
        build_837p([claim("SEC-4", data, payer=MEDIGAP, other_payers=(MEDICARE,))], ENVELOPE)


def test_an_other_payer_not_on_file_is_refused() -> None:
    with pytest.raises(Claim837Error, match="not on file"):
        build_837p([claim("SEC-5", secondary(), payer=MEDIGAP)], ENVELOPE)


# ------------------------------------------------------------------------ balancing


def test_a_balanced_decision_has_no_problem() -> None:
    assert balance_problems(secondary()) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"paid_amount": "100.00"}, "other_coverages[0].adjudication.paid_amount"),
        (
            {"lines": [{**primary_decision()["lines"][0], "paid": "81.00"}]},
            "other_coverages[0].adjudication.lines[0]",
        ),
        (
            {"lines": [{**primary_decision()["lines"][0], "line_number": 9}]},
            "other_coverages[0].adjudication.lines[0].line_number",
        ),
        ({"adjustments": [cas("PR", "3", "10.00")]}, "other_coverages[0].adjudication"),
    ],
)
def test_unbalanced_decisions_name_where(change: dict[str, Any], path: str) -> None:
    data = secondary(
        other_coverages=[coverage(MEDICARE.payer_id, "P", adjudication=primary_decision(**change))]
    )
    assert path in [p for p, _ in balance_problems(data)]


def test_billable_onward_is_what_the_patient_owes_and_other_adjustments() -> None:
    decision = secondary().other_coverages[0].adjudication
    assert decision is not None
    assert billable_onward(decision) == Decimal("26.00")  # PR 20 + 6; CO 45 is written off


# ------------------------------------------------------------------------ scrubbing


def context(**extra: Any) -> ScrubContext:
    fields: dict[str, Any] = {
        "today": date(2025, 6, 30),
        "billing": BillingProvider("1245319599", "627011234", "100 Main St"),
        "payer": PayerRules("MGAP1", 365, frozenset()),
        "known_payers": frozenset({"00952", "MGAP1", "TRI1"}),
        **extra,
    }
    return ScrubContext(**fields)


def cob_edits(data: ClaimData, **extra: Any) -> list[tuple[str, str]]:
    return [(e.code, e.path) for e in scrub(data, context(**extra)) if e.code.startswith("COB")]


def test_a_clean_secondary_claim_has_no_cob_edit() -> None:
    assert cob_edits(secondary()) == []


def test_scrubber_cob_edits() -> None:
    two_primaries = secondary(
        other_coverages=[
            coverage("00952", "P", adjudication=primary_decision()),
            coverage("TRI1", "P"),
        ]
    )
    assert ("COB_SEQUENCE_DUPLICATE", "other_coverages[1].responsibility") in cob_edits(
        two_primaries
    )
    unknown = secondary(other_coverages=[coverage("NOPE", "P", adjudication=primary_decision())])
    assert cob_edits(unknown) == [("COB_PAYER_UNKNOWN", "other_coverages[0].payer_id")]
    no_subscriber = secondary(
        other_coverages=[
            {**coverage("00952", "P", adjudication=primary_decision()), "subscriber": None}
        ]
    )
    assert cob_edits(no_subscriber) == [("COB_SUBSCRIBER_MISSING", "other_coverages[0].subscriber")]
    undecided = secondary(other_coverages=[coverage("00952", "P")])
    assert cob_edits(undecided) == [
        ("COB_PRIOR_DECISION_MISSING", "other_coverages[0].adjudication")
    ]
    alone = claim_data(payer_responsibility="S")
    assert cob_edits(alone) == [("COB_PRIOR_PAYER_MISSING", "other_coverages")]
    no_secondary = claim_data(
        payer_id="TRI1",
        payer_responsibility="T",
        other_coverages=[coverage("00952", "P", adjudication=primary_decision())],
    )
    assert cob_edits(no_secondary) == [("COB_PRIOR_PAYER_MISSING", "other_coverages")]
    unbalanced = secondary(
        other_coverages=[coverage("00952", "P", adjudication=primary_decision(paid_amount="1.00"))]
    )
    assert ("COB_UNBALANCED", "other_coverages[0].adjudication.paid_amount") in cob_edits(
        unbalanced
    )


# ---------------------------------------------------------------- the next payer's claim


def medicare_835(**extra: Any) -> ClaimPaymentAdjudicated:
    fields: dict[str, Any] = {
        "claim_key": "c-1",
        "claim_id": "c-1",
        "patient_control_number": "PRI-9",
        "remittance_id": "r-1",
        "payment_id": "p-1",
        "payer_id": "00952",
        "payer_claim_control_number": "MCR000123",
        "claim_status_code": "1",
        "total_charge": Decimal("195.50"),
        "paid_amount": Decimal("104.00"),
        "patient_responsibility": Decimal("26.00"),
        # the 835 lists lines in another order than the claim
        "lines": [
            AdjudicatedLine(
                procedure_code="93000",
                charge=Decimal("45.50"),
                paid=Decimal("24.00"),
                service_date=date(2025, 6, 2),
                adjustments=[
                    Adjustment(group_code="CO", reason_code="45", amount=Decimal("15.50")),
                    Adjustment(group_code="PR", reason_code="2", amount=Decimal("6.00")),
                ],
            ),
            AdjudicatedLine(
                procedure_code="99214",
                modifiers=["25"],
                charge=Decimal("150.00"),
                paid=Decimal("80.00"),
                service_date=date(2025, 6, 2),
                adjustments=[
                    Adjustment(group_code="CO", reason_code="45", amount=Decimal("50.00")),
                    Adjustment(group_code="PR", reason_code="2", amount=Decimal("20.00")),
                ],
            ),
        ],
        "remittance_date": date(2025, 6, 20),
        **extra,
    }
    return ClaimPaymentAdjudicated(**fields)


def test_next_payer_claim_from_the_primary_835() -> None:
    primary = claim_data(
        payer_id="00952",
        patient=CHILD,
        other_coverages=[coverage("MGAP1", "S", relationship="18")],
    )
    decision = decision_from_835(medicare_835(), primary)
    assert [(ln.line_number, ln.paid) for ln in decision.lines] == [
        (2, Decimal("24.00")),
        (1, Decimal("80.00")),
    ]
    follow = next_payer_claim(primary, decision)
    assert follow is not None
    assert (follow.payer_id, follow.payer_responsibility) == ("MGAP1", "S")
    assert follow.patient is None  # the child is the subscriber of the supplement
    assert follow.subscriber.member_id == "MGAP1X1"
    [prior] = follow.other_coverages
    assert (prior.payer_id, prior.responsibility, prior.relationship) == ("00952", "P", "19")
    assert prior.subscriber is not None and prior.subscriber.member_id == "M100"
    assert balance_problems(follow) == []
    assert cob_edits(follow) == []
    [tx] = build_checked(
        [
            claim(
                "SEC-9",
                follow.model_copy(update={"patient_control_number": "SEC-9"}),
                payer=MEDIGAP,
                other_payers=(MEDICARE,),
            )
        ]
    )
    assert [s.get(1) for s in tx.find("SBR")] == ["S", "P"]
    # the chain ends with the last payer on file
    assert next_payer_claim(follow, decision) is None
