"""The 276 writer and the 277 reader of claim status follow-up (005010X212), and what
each STC category means for the claim."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from rcm_claims.domain.claim_status import outcome_of, parse_277
from rcm_claims.domain.x276 import Envelope276, Inquiry276, build_276
from rcm_shared.testing.x12_oracle import validate
from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.reader import read_interchange
from rcm_shared.x12.writer import Seg, TransactionSpec, build_interchange

from .test_x837p import CHILD, claim_data

WHEN = datetime(2026, 7, 1, 9, 30)
ENVELOPE = Envelope276("RCMBACKBONE", "CLEARINGHOUSE", "RCM Backbone", 41, 41, WHEN, "T")


def inquiry(trace: str, **extra: object) -> Inquiry276:
    fields: dict[str, object] = {
        "trace": trace,
        "data": claim_data(),
        "patient_control_number": f"PCN{trace}",
        "payer_claim_control_number": "ICN77",
        "payer_id": "87726",
        "payer_name": "Acme Health Plan",
        "billing_name": "Springfield Family Medicine",
        "billing_npi": "1245319599",
        **extra,
    }
    return Inquiry276(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "outcome"),
    [
        ("A4", "not_found"),
        ("D0", "not_found"),
        ("A2", "pending"),
        ("P1", "pending"),
        ("P3", "pending"),
        ("F1", "finalized_paid"),
        ("F2", "finalized_denied"),
        ("F4", "finalized"),
        ("R4", "information_requested"),
        ("A3", "returned"),
        ("A7", "returned"),
        ("E1", "no_answer"),
        ("ZZ", "no_answer"),
    ],
)
def test_what_a_category_means(category: str, outcome: str) -> None:
    assert outcome_of(category) == outcome


def test_276_for_a_subscriber_and_a_dependent() -> None:
    text = build_276(
        [
            inquiry("T1"),
            inquiry("T2", data=claim_data(patient=CHILD), payer_claim_control_number=None),
        ],
        ENVELOPE,
    )
    group = read_interchange(text).groups[0]
    assert (group.functional_id, group.version) == ("HR", "005010X212")
    [tx] = group.transactions  # one payer and billing provider: one transaction
    segs = tx.segments
    hls = [(s.get(1), s.get(2), s.get(3), s.get(4)) for s in segs if s.id == "HL"]
    assert hls == [
        ("1", "", "20", "1"),
        ("2", "1", "21", "1"),
        ("3", "2", "19", "1"),
        ("4", "3", "22", "0"),  # the subscriber is the patient
        ("5", "3", "22", "1"),
        ("6", "5", "23", "0"),  # the dependent under its subscriber
    ]
    assert [s.get(2) for s in segs if s.id == "TRN"] == ["T1", "T2"]
    refs = [(s.get(1), s.get(2)) for s in segs if s.id == "REF"]
    assert refs == [("1K", "ICN77"), ("EJ", "PCNT1"), ("EJ", "PCNT2")]
    assert [s.get(2) for s in segs if s.id == "AMT"] == ["195.5", "195.5"]
    assert {s.get(3) for s in segs if s.id == "DTP"} == {"20250602-20250602"}
    # DMG: the subscriber's when they are the patient, the dependent's otherwise
    assert [s.get(2) for s in segs if s.id == "DMG"] == ["19800402", "20150912"]
    verdict = validate(text)
    assert verdict.ok, verdict.explain()


def test_two_payers_make_two_transactions() -> None:
    text = build_276([inquiry("T1"), inquiry("T2", payer_id="00952")], ENVELOPE)
    assert len(read_interchange(text).groups[0].transactions) == 2
    verdict = validate(text)
    assert verdict.ok, verdict.explain()


def answer(*claims: list[Seg]) -> str:
    body: list[Seg] = [
        Seg("BHT", ("0010", "08", "R1", "20260701", "0930", "DG")),
        Seg("HL", ("1", None, "20", "1")),
        Seg("NM1", ("PR", "2", "ACME", None, None, None, None, "PI", "87726")),
    ]
    for n, segs in enumerate(claims, start=4):
        body += [Seg("HL", (str(n), "3", "22", "0")), *segs]
    return build_interchange(
        sender_qualifier="ZZ", sender_id="CH", receiver_qualifier="ZZ", receiver_id="US",
        interchange_control=9, usage="T", ack_requested=False, functional_id="HN",
        app_sender="CH", app_receiver="US", group_control=9, version="005010X212",
        transactions=[TransactionSpec("277", "0001", body)], timestamp=WHEN,
    )  # fmt: skip


def test_277_answers_by_trace_with_the_claim_level_stc() -> None:
    text = answer(
        [
            Seg("TRN", ("2", "T1")),
            Seg("STC", (("F1", "65"), "20260630", None, "195.5", "120")),
            Seg("REF", ("1K", "ICN77")),
            Seg("REF", ("EJ", "PCNT1")),
            # a line-level answer after the claim's: not the claim's
            Seg("SVC", (("HC", "99214"), "150", "100")),
            Seg("STC", (("F1", "65"), "20260630")),
        ],
        [Seg("TRN", ("2", "T2")), Seg("STC", (("A4", "35"), "20260701"))],
    )
    first, second = parse_277(text)
    assert (first.trace, first.category, first.status_code) == ("T1", "F1", "65")
    assert (first.charge, first.paid) == (Decimal("195.5"), Decimal("120"))
    assert (first.payer_claim_control_number, first.patient_control_number) == ("ICN77", "PCNT1")
    assert first.outcome == "finalized_paid"
    assert (second.trace, second.outcome, second.paid) == ("T2", "not_found", None)


def test_a_277_stc_without_a_status_code_names_its_segment() -> None:
    text = answer([Seg("TRN", ("2", "T1")), Seg("STC", ("F1", "20260630"))])
    with pytest.raises(X12SyntaxError) as caught:
        parse_277(text)
    assert caught.value.to_dict()["segment_id"] == "STC"
