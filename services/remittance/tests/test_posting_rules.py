"""Posting rules without a database: event shape, reversal choice, payer key, patient
responsibility."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from rcm_remittance.domain import posting as rules
from rcm_remittance.domain.posting import PostingContext, PriorPayment
from rcm_remittance.domain.x835 import ClaimPayment, RemittanceHeader, read_835
from rcm_shared.events.remittance import ClaimPaymentAdjudicated
from rcm_shared.ids import uuid4_strings

from .era import Clp, Line, era

CTX = PostingContext("rem-1", "PAYER01", "EFT1", date(2024, 1, 5))


def payments(raw: str) -> list[ClaimPayment]:
    return [e for e in read_835(raw) if isinstance(e, ClaimPayment)]


def row_for(payment: ClaimPayment, reversed_id: str | None = None) -> dict[str, object]:
    return {
        "id": "pay-1",
        "claim_id": "claim-1",
        "clinic_id": "clinic-1",
        "reversed_payment_id": reversed_id,
        **rules.payment_doc(payment),
    }


def test_event_json_built_directly_is_what_the_model_makes_of_it() -> None:
    [payment] = payments(
        era(
            [
                Clp(
                    "A1",
                    lines=[
                        Line(charge="150.00", paid="100.00", modifiers=["25", "59"]),
                        Line(
                            code="97110",
                            charge="60.00",
                            paid="0.00",
                            cas=[("CO", "97", "60.00")],
                            remarks=["M15"],
                        ),
                    ],
                    claim_cas=[("PR", "2", "0.00")],
                )
            ],
            trace="T1",
        )
    )
    data = rules.adjudication_data(CTX, row_for(payment, "pay-0"))
    model = ClaimPaymentAdjudicated.model_validate(data)
    assert model.model_dump(mode="json") == data
    assert model.lines[1].remark_codes == ["M15"] and model.lines[0].modifiers == ["25", "59"]
    assert model.reversed_payment_id == "pay-0" and model.remittance_date == date(2024, 1, 5)


def test_reversal_prefers_same_control_number_and_negated_amount() -> None:
    older = PriorPayment("p1", "ICN1", Decimal("80.00"))
    other_ccn = PriorPayment("p2", "ICN2", Decimal("80.00"))
    same_ccn_other_amount = PriorPayment("p3", "ICN1", Decimal("50.00"))
    prior = [older, other_ccn, same_ccn_other_amount]
    assert rules.reversed_payment_of("ICN1", Decimal("-80.00"), prior) is older
    assert rules.reversed_payment_of("ICN2", Decimal("-80.00"), prior) is other_ccn
    assert rules.reversed_payment_of(None, Decimal("-50.00"), prior) is same_ccn_other_amount
    # nothing matches: the most recent posting of the claim
    assert rules.reversed_payment_of(None, Decimal("-1.00"), prior) is same_ccn_other_amount
    assert rules.reversed_payment_of("ICN1", Decimal("-80.00"), []) is None


def test_payer_key_falls_back_to_the_name() -> None:
    header = next(iter(read_835(era([Clp("A1")], trace="T1"))))
    assert isinstance(header, RemittanceHeader)
    assert rules.payer_key(header) == "PAYER01"
    nameless = era([Clp("A1")], trace="T1").replace("REF*2U*PAYER01~\n", "")
    header = next(iter(read_835(nameless)))
    assert isinstance(header, RemittanceHeader)
    assert rules.payer_key(header) == "TEST PAYER"


def test_patient_responsibility_from_pr_adjustments_when_clp05_is_empty() -> None:
    raw = era(
        [
            Clp(
                "A1",
                lines=[Line(charge="100.00", paid="70.00", cas=[("PR", "1", "30.00")])],
                claim_cas=[],
            )
        ],
        trace="T1",
    ).replace("*80.00*0*12*", "*70.00**12*")
    [payment] = payments(raw.replace("CLP*A1*1*100.00*70.00*0*", "CLP*A1*1*100.00*70.00**"))
    assert payment.patient_responsibility is None
    assert rules.patient_responsibility(payment) == Decimal("30.00")


def test_bulk_ids_are_version_4_uuids_and_distinct() -> None:
    ids = uuid4_strings(1000)
    assert len(set(ids)) == 1000
    assert all(uuid.UUID(i).version == 4 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
