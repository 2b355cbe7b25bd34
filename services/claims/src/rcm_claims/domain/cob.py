"""Coordination of benefits: the order payers pay a claim in, what a prior payer's
decision must add up to before the next payer sees it, and the next payer's claim.

COB balancing (837P 005010X222A1, 2320 and 2430 notes), for every prior payer that has
adjudicated the claim:
- claim:  CLM02 - AMT*D (paid) = the 2320 CAS amounts + the 2430 CAS amounts;
- line:   SV102 - SVD02 (paid) = that line's 2430 CAS amounts;
- and when lines are given, AMT*D = the sum of their SVD02.
A payer refuses a claim that does not balance (CO-16 / MA04-style), so a claim that does
not is kept here rather than sent. Pure: no I/O.
"""

from __future__ import annotations

from decimal import Decimal

from rcm_claims.domain.claim import (
    CasAdjustment,
    ClaimData,
    LineAdjudication,
    OtherCoverage,
    Patient,
    PriorAdjudication,
)
from rcm_shared.events.remittance import ClaimPaymentAdjudicated

ZERO = Decimal("0.00")
# Adjustments the provider cannot bill anyone for: a contractual write-down (CO), a payer
# initiated reduction (PI), a correction or reversal (CR). What is left after them and
# the payment (PR, OA) is the balance a next payer can be billed for.
NOT_BILLABLE_ONWARD = frozenset({"CO", "PI", "CR"})
# CLP02: processed as primary (19), secondary (20), tertiary (21) and forwarded by the
# payer to the next one (a crossover): that payer's 835 comes without a claim from us.
FORWARDED = frozenset({"19", "20", "21"})


def _sum(adjustments: list[CasAdjustment]) -> Decimal:
    return sum((a.amount for a in adjustments), ZERO)


def balance_problems(data: ClaimData) -> list[tuple[str, str]]:
    """(path, message) for every prior payer's decision that does not balance."""
    problems: list[tuple[str, str]] = []
    for index, coverage in enumerate(data.other_coverages):
        decision = coverage.adjudication
        if decision is None:
            continue
        where = f"other_coverages[{index}].adjudication"
        line_cas = ZERO
        seen: set[int] = set()
        for at, line in enumerate(decision.lines):
            path = f"{where}.lines[{at}]"
            if line.line_number > len(data.lines):
                problems.append((f"{path}.line_number", "the claim has no such line"))
                continue
            if line.line_number in seen:
                problems.append((f"{path}.line_number", "this line is decided twice"))
                continue
            seen.add(line.line_number)
            charge = data.lines[line.line_number - 1].charge
            cas = _sum(line.adjustments)
            line_cas += cas
            if charge - line.paid != cas:
                problems.append(
                    (
                        path,
                        f"line charge {charge} - paid {line.paid} = {charge - line.paid}, "
                        f"but its adjustments sum to {cas}",
                    )
                )
        if decision.lines:
            paid_lines = sum((ln.paid for ln in decision.lines), ZERO)
            if paid_lines != decision.paid_amount:
                problems.append(
                    (
                        f"{where}.paid_amount",
                        f"paid {decision.paid_amount} differs from its lines' {paid_lines}",
                    )
                )
        claim_cas = _sum(decision.adjustments)
        left = data.total_charge - decision.paid_amount
        if left != claim_cas + line_cas:
            problems.append(
                (
                    where,
                    f"charge {data.total_charge} - paid {decision.paid_amount} = {left}, but "
                    f"the adjustments sum to {claim_cas + line_cas}",
                )
            )
    return problems


def billable_onward(decision: PriorAdjudication) -> Decimal:
    """What a next payer can be billed for after this decision: what the patient owes
    (PR) and other adjustments (OA), not what the provider wrote off."""
    every = [*decision.adjustments, *(a for line in decision.lines for a in line.adjustments)]
    return sum((a.amount for a in every if a.group_code not in NOT_BILLABLE_ONWARD), ZERO)


def decision_from_835(payment: ClaimPaymentAdjudicated, data: ClaimData) -> PriorAdjudication:
    """The payer's decision as the next payer's claim carries it. The 835's service lines
    are matched to the claim's lines by procedure, date of service and charge, in order
    (the 837 sends no line control numbers)."""
    open_lines = list(enumerate(data.lines, start=1))
    lines: list[LineAdjudication] = []
    for paid in payment.lines:
        match = next(
            (
                (number, line)
                for number, line in open_lines
                if line.procedure_code == paid.procedure_code
                and line.charge == paid.charge
                and (paid.service_date is None or paid.service_date == line.service_date_from)
            ),
            None,
        )
        if match is None:
            continue
        open_lines.remove(match)
        number, line = match
        lines.append(
            LineAdjudication(
                line_number=number,
                procedure_code=line.procedure_code,
                modifiers=list(line.modifiers),
                paid=paid.paid,
                units=paid.units or line.units,
                adjustments=[_cas(a) for a in paid.adjustments],
            )
        )
    return PriorAdjudication(
        paid_amount=payment.paid_amount,
        adjudication_date=payment.remittance_date,
        adjustments=[_cas(a) for a in payment.adjustments],
        lines=lines,
        remaining_patient_liability=payment.patient_responsibility,
        payer_claim_control_number=payment.payer_claim_control_number,
    )


def _cas(adjustment: object) -> CasAdjustment:
    return CasAdjustment.model_validate(adjustment, from_attributes=True)


def next_payer_claim(data: ClaimData, decision: PriorAdjudication) -> ClaimData | None:
    """The claim for the payer after this claim's payer, carrying this payer's decision
    and every earlier one; None when no payer follows."""
    following = data.next_payer
    if following is None:
        return None
    this_payer = OtherCoverage(
        payer_id=data.payer_id,
        responsibility=data.payer_responsibility,
        subscriber=data.subscriber,
        relationship=data.patient.relationship if data.patient else "18",
        adjudication=decision,
    )
    others = [c for c in data.other_coverages if c is not following]
    subscriber = following.subscriber
    assert subscriber is not None  # the scrubber refused the claim without it
    person = data.patient_person
    patient = (
        None
        if following.relationship == "18"
        else Patient(
            first_name=person.first_name,
            last_name=person.last_name,
            middle_name=person.middle_name,
            birth_date=person.birth_date,
            gender=person.gender,
            address=person.address,
            relationship=following.relationship,
        )
    )
    # validated again as a whole: the next payer's claim must itself be a valid claim
    return ClaimData.model_validate(
        {
            **data.model_dump(),
            **{
                "payer_id": following.payer_id,
                "payer_responsibility": following.responsibility,
                "subscriber": subscriber.model_dump(),
                "patient": patient.model_dump() if patient else None,
                "other_coverages": [
                    c.model_dump() for c in sorted([this_payer, *others], key=_order)
                ],
                "patient_control_number": None,
                "frequency_code": "1",
                "payer_claim_control_number": None,
            },
        }
    )


def _order(coverage: OtherCoverage) -> str:
    return coverage.responsibility
