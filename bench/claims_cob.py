"""Secondary claim generation beside primary 837P generation, in the same run.

    deploy/uv run python -m bench.claims_cob

The 5,000 claims of bench.claims_837p, each with a supplement on file, and for each an
835 claim payment of its primary (80% of the charge paid per line, CO-45 and PR-2 for the
rest). Times, as the median of 3 runs:
  (a) build_837p of the 5,000 primary claims: the baseline,
  (b) the secondary claims made from the primaries and their 835s (decision_from_835 +
      next_payer_claim: line matching, balancing data, a validated ClaimData each),
  (c) (b) and build_837p of the secondaries: COB loops 2320/2330A/2330B/2430 and the
      balancing check before the file is written; what the service does per 835.
The process's garbage collector is set as a service's is once started (rcm_shared.runtime:
start-up objects frozen, a youngest-generation threshold of 50,000). No assertions: the
figures are for reading.
"""

from __future__ import annotations

import dataclasses
import gc
from datetime import date
from decimal import Decimal

from bench.claims_837p import ENVELOPE, RUNS, synthetic_claims
from bench.common import timed_median
from rcm_claims.domain.claim import OtherCoverage, Subscriber
from rcm_claims.domain.cob import decision_from_835, next_payer_claim
from rcm_claims.domain.x837p import Claim837, Payer837, build_837p
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated
from rcm_shared.runtime import GC_YOUNG_THRESHOLD

PRIMARY = Payer837(payer_id="87726", name="Acme Health Plan", claim_filing_indicator="CI")
SUPPLEMENT = Payer837(payer_id="60054", name="Heartland Medigap", claim_filing_indicator="15")
CENT = Decimal("0.01")


def with_supplement(claims: list[Claim837]) -> list[Claim837]:
    out = []
    for claim in claims:
        data = claim.data
        person = data.patient_person
        subscriber = Subscriber(
            member_id=f"S{claim.patient_control_number}",
            first_name=person.first_name,
            last_name=person.last_name,
            birth_date=person.birth_date,
            gender=person.gender,
            address=person.address,
        )
        other = OtherCoverage(
            payer_id=SUPPLEMENT.payer_id, responsibility="S", subscriber=subscriber
        )
        out.append(
            dataclasses.replace(
                claim,
                data=data.model_copy(
                    update={"payer_id": PRIMARY.payer_id, "other_coverages": [other]}
                ),
                other_payers=(SUPPLEMENT,),
            )
        )
    return out


def primary_835(claim: Claim837) -> ClaimPaymentAdjudicated:
    lines = []
    for line in claim.data.lines:
        paid = (line.charge * Decimal("0.8")).quantize(CENT)
        allowed = (line.charge * Decimal("0.9")).quantize(CENT)
        lines.append(
            AdjudicatedLine(
                procedure_code=line.procedure_code,
                modifiers=list(line.modifiers),
                charge=line.charge,
                paid=paid,
                service_date=line.service_date_from,
                adjustments=[
                    Adjustment(group_code="CO", reason_code="45", amount=line.charge - allowed),
                    Adjustment(group_code="PR", reason_code="2", amount=allowed - paid),
                ],
            )
        )
    return ClaimPaymentAdjudicated(
        claim_key=claim.patient_control_number,
        claim_id=claim.patient_control_number,
        patient_control_number=claim.patient_control_number,
        remittance_id="r",
        payment_id=f"p-{claim.patient_control_number}",
        payer_id=PRIMARY.payer_id,
        payer_claim_control_number=f"ICN{claim.patient_control_number}",
        claim_status_code="1",
        total_charge=claim.data.total_charge,
        paid_amount=sum((ln.paid for ln in lines), Decimal(0)),
        patient_responsibility=sum(
            (a.amount for ln in lines for a in ln.adjustments if a.group_code == "PR"), Decimal(0)
        ),
        lines=lines,
        remittance_date=date(2025, 7, 1),
    )


def primaries(claims: list[Claim837]) -> int:
    return build_837p(claims, ENVELOPE).x12.count("~")


def secondaries(pairs: list[tuple[Claim837, ClaimPaymentAdjudicated]]) -> list[Claim837]:
    out = []
    for claim, payment in pairs:
        data = next_payer_claim(claim.data, decision_from_835(payment, claim.data))
        assert data is not None
        out.append(
            dataclasses.replace(
                claim,
                data=data,
                patient_control_number=f"S{claim.patient_control_number[1:]}",
                payer=SUPPLEMENT,
                other_payers=(PRIMARY,),
            )
        )
    return out


def secondaries_written(pairs: list[tuple[Claim837, ClaimPaymentAdjudicated]]) -> int:
    return build_837p(secondaries(pairs), ENVELOPE).x12.count("~")


def main() -> None:
    claims = with_supplement(synthetic_claims())
    pairs = [(claim, primary_835(claim)) for claim in claims]
    count = len(claims)
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
    print(f"{count:,} claims x {len(claims[0].data.lines)} lines, median of {RUNS} runs")
    print(f"{'':44} {'claims/s':>10} {'x (a)':>6}")
    base, _ = timed_median(RUNS, primaries, claims)
    print(f"{'(a) primary 837P (build_837p)':44} {count / base:10,.0f} {1.0:6.1f}")
    seconds, made = timed_median(RUNS, secondaries, pairs)
    print(f"{'(b) secondary claims made from the 835s':44} {count / seconds:10,.0f} "
          f"{seconds / base:6.1f}")  # fmt: skip
    seconds, segments = timed_median(RUNS, secondaries_written, pairs)
    print(f"{'(c) (b) + their COB 837P':44} {count / seconds:10,.0f} {seconds / base:6.1f}")
    print(f"the secondary file: {segments:,} segments for {len(made):,} claims")


if __name__ == "__main__":
    main()
