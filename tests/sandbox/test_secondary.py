"""The sandbox's secondary payer: a COB claim (2320/2330B/2430 as the claims service
writes them) is paid by its rules, what it does not cover stays the patient's, and a
claim without the primary's decision, or with one that does not balance, is denied the
way payers deny them (CO-16 with MA04; CO-22 when another payer is primary)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

from deploy.sandbox.clearinghouse import Sandbox
from rcm_claims.domain.claim import CasAdjustment, LineAdjudication, PriorAdjudication
from rcm_claims.domain.x837p import Claim837
from rcm_eligibility.domain.x271 import OtherPayer, parse_271, summarize
from rcm_remittance.domain.x835 import ClaimPayment

from .helpers import PAYERS, TODAY, batch, claim, files, line, oracle_errors, read, sandbox
from .test_scenarios import TENANT, checked, inquiry, remittances, truth

MEDICARE, MEDIGAP = "00952", "60054"


def other(payer_id: str, responsibility: str, **extra: Any) -> dict[str, Any]:
    return {
        "payer_id": payer_id,
        "responsibility": responsibility,
        "subscriber": {
            "member_id": f"{payer_id}M1",
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1950-04-02",
            "gender": "F",
            "address": {
                "line1": "5 Oak Ave",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62704",
            },
        },
        **extra,
    }


# a member with 500.00 of deductible left: it takes the first two lines' allowed amounts
# (330 + 170 at Medicare), the third (220) gets 20% coinsurance
LINES = [line("70553", "600.00"), line("99215", "250.00"), line("72148", "400.00")]


def cob_claim(pcn: str, payer: str, others: list[str], **extra: Any) -> Claim837:
    built = claim(pcn, member="DED100", payer=payer, lines=LINES, **extra)
    return dataclasses.replace(built, other_payers=tuple(PAYERS[p] for p in others))


def decision_of(payment: ClaimPayment) -> dict[str, Any]:
    """The primary's 835 claim payment as the secondary claim carries it."""
    decision = PriorAdjudication(
        paid_amount=payment.paid,
        adjudication_date=TODAY,
        adjustments=[_cas(a) for a in payment.adjustments],
        lines=[
            LineAdjudication(
                line_number=number,
                procedure_code=s.procedure_code,
                modifiers=list(s.modifiers),
                paid=s.paid,
                adjustments=[_cas(a) for a in s.adjustments],
            )
            for number, s in enumerate(payment.services, start=1)
        ],
        remaining_patient_liability=payment.patient_responsibility,
    )
    return decision.model_dump(mode="json")


def _cas(a: Any) -> CasAdjustment:
    return CasAdjustment(group_code=a.group_code, reason_code=a.reason_code, amount=a.amount)


def primary_paid(tmp: Path, box: Sandbox) -> ClaimPayment:
    first = cob_claim("PRI-1", MEDICARE, [MEDIGAP], other_coverages=[other(MEDIGAP, "S")])
    assert box.receive_837(TENANT, "primary.837", batch(first).x12)["claims_accepted"] == 1
    box.deliver_remittances()
    [paid] = [c for r in checked(remittances(tmp)) for c in r.claims]
    return paid


def test_the_secondary_pays_coinsurance_and_copay_and_leaves_the_deductible(
    tmp_path: Path,
) -> None:
    box = sandbox(tmp_path)
    primary = primary_paid(tmp_path, box)
    assert primary.status_code == "1"
    owed: dict[tuple[str, str], Decimal] = {}
    for service in primary.services:
        for a in service.adjustments:
            owed[(a.group_code, a.reason_code)] = (
                owed.get((a.group_code, a.reason_code), 0) + a.amount
            )
    deductible, coinsurance = owed[("PR", "1")], owed[("PR", "2")]
    assert (deductible, coinsurance) == (Decimal("500.00"), Decimal("44.00"))

    second = cob_claim(
        "SEC-1",
        MEDIGAP,
        [MEDICARE],
        payer_responsibility="S",
        other_coverages=[other(MEDICARE, "P", adjudication=decision_of(primary))],
    )
    assert box.receive_837(TENANT, "secondary.837", batch(second).x12)["claims_accepted"] == 1
    box.deliver_remittances()
    [paid] = [c for r in checked(remittances(tmp_path)) for c in r.claims if c.status_code != "1"]
    assert paid.patient_control_number == "SEC-1"
    assert paid.status_code == "2"  # processed as secondary
    assert paid.paid == coinsurance
    assert paid.patient_responsibility == deductible
    groups = {(a.group_code, a.reason_code) for s in paid.services for a in s.adjustments}
    assert groups == {("OA", "23"), ("PR", "1")}
    fact = truth(box)["SEC-1"]
    assert (fact["scenario"], Decimal(fact["paid"])) == ("paid", coinsurance)


def test_without_the_primary_decision_the_secondary_denies_ma04(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    second = cob_claim(
        "SEC-2",
        MEDIGAP,
        [MEDICARE],
        payer_responsibility="S",
        other_coverages=[other(MEDICARE, "P")],
    )
    box.receive_837(TENANT, "secondary.837", batch(second).x12)
    box.deliver_remittances()
    [denied] = [c for r in checked(remittances(tmp_path)) for c in r.claims]
    assert (denied.status_code, denied.paid) == ("4", Decimal(0))
    assert {(a.group_code, a.reason_code) for s in denied.services for a in s.adjustments} == {
        ("CO", "16")
    }
    fact = truth(box)["SEC-2"]
    assert fact["scenario"] == "cob_prior_missing"
    assert fact["categories"] == ["coordination_of_benefits"]
    assert "MA04" in fact["rarcs"]


def test_an_unbalanced_primary_decision_is_denied_ma04(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    primary = primary_paid(tmp_path, box)
    second = cob_claim(
        "SEC-3",
        MEDIGAP,
        [MEDICARE],
        payer_responsibility="S",
        other_coverages=[other(MEDICARE, "P", adjudication=decision_of(primary))],
    )
    text = batch(second).x12
    # the file says the primary paid a dollar more than its lines: our writer refuses
    # that, another submitter's might not
    paid = f"AMT*D*{primary.paid.normalize():f}"
    assert paid in text
    tampered = text.replace(paid, f"AMT*D*{(primary.paid + 1).normalize():f}")
    box.receive_837(TENANT, "secondary.837", tampered)
    box.deliver_remittances()
    fact = truth(box)["SEC-3"]
    assert fact["scenario"] == "cob_unbalanced"
    assert fact["claim_status"] == "4"


def test_billed_as_primary_while_another_payer_is_primary_is_co22(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    wrong = cob_claim("SEC-4", MEDIGAP, [MEDICARE], other_coverages=[other(MEDICARE, "P")])
    # the claims service's scrubber refuses two primaries; the payer does too
    text = batch(
        dataclasses.replace(wrong, data=wrong.data.model_copy(update={"payer_responsibility": "S"}))
    ).x12.replace("SBR*S*18", "SBR*P*18", 1)
    box.receive_837(TENANT, "wrong.837", text)
    box.deliver_remittances()
    fact = truth(box)["SEC-4"]
    assert fact["scenario"] == "cob_other_primary"
    assert fact["categories"] == ["coordination_of_benefits"]
    assert files(tmp_path / "remittance" / TENANT, ".835")
    assert read(remittances(tmp_path)[0]).claims[0].status_code == "4"


# The X279A1 map the oracle reads for 271s nests LS inside loop 2115C at the subscriber
# level, so an LS without an III before it draws these two findings; the guide puts LS
# after 2115C, and the public lfh subscriber sample (tests/data/x12/271) draws the same
# two. Any other finding still fails the test.
MAP_DEFECTS = (
    "Segment LS*2120 not found",
    '"Subscriber Eligibility or Benefit Additional Information" (III) missing',
)


def map_defect(finding: object) -> bool:
    return any(text in str(finding) for text in MAP_DEFECTS)


def test_a_cob_member_s_271_names_the_primary_payer(tmp_path: Path) -> None:
    answer = sandbox(tmp_path).answer_270(inquiry("COB3001"))
    summary = summarize(parse_271(answer)[0])
    assert summary.status == "active"
    assert summary.other_payers == (
        OtherPayer("primary", "SANDBOX MEDICARE PART B", "00952", None),
    )
    plain = summarize(parse_271(sandbox(tmp_path / "2").answer_270(inquiry("ACT3002")))[0])
    assert plain.other_payers == ()


def test_the_cob_member_s_271_passes_the_oracle(tmp_path: Path) -> None:
    answer = sandbox(tmp_path).answer_270(inquiry("COB3001"))
    assert [e for e in oracle_errors(answer) if e is not None and not map_defect(e)] == []


def test_medicare_forwards_a_crossover_and_the_supplement_remits_it(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    supplement = other(MEDIGAP, "S")
    supplement["subscriber"]["member_id"] = "XOV7001"  # the supplement takes crossovers
    first = cob_claim("XOV-1", MEDICARE, [MEDIGAP], other_coverages=[supplement])
    box.receive_837(TENANT, "primary.837", batch(first).x12)
    box.deliver_remittances()
    found = checked(remittances(tmp_path))  # pyx12 and the remittance reader's balancing
    by_payer = {r.headers[0].payer_name: r for r in found}
    [medicare] = by_payer["SANDBOX MEDICARE PART B"].claims
    [medigap] = by_payer["HEARTLAND MEDIGAP SUPPLEMENT"].claims
    assert (medicare.patient_control_number, medigap.patient_control_number) == ("XOV-1",) * 2
    assert medicare.status_code == "19"  # processed as primary, forwarded
    assert medicare.crossover_payer == "HEARTLAND MEDIGAP SUPPLEMENT"
    assert medigap.status_code == "2"
    assert medigap.paid == Decimal("44.00")  # the coinsurance; the deductible stays PR
    fact = truth(box)["XOV-1"]
    assert fact["crossover"]["payer_id"] == MEDIGAP
    assert Decimal(fact["crossover"]["paid"]) == Decimal("44.00")


def test_without_the_crossover_prefix_medicare_does_not_forward(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    plain = cob_claim("NOX-1", MEDICARE, [MEDIGAP], other_coverages=[other(MEDIGAP, "S")])
    box.receive_837(TENANT, "primary.837", batch(plain).x12)
    box.deliver_remittances()
    [paid] = [c for r in checked(remittances(tmp_path)) for c in r.claims]
    assert (paid.status_code, paid.crossover_payer) == ("1", None)
