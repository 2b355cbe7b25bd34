"""The streaming 835 reader: published samples, hand-built files, malformed input."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rcm_remittance.domain.x835 import (
    ClaimPayment,
    Event,
    ProviderAdjustment,
    RemittanceHeader,
    TransactionEnd,
    read_835,
)
from rcm_shared.testing.x12_data import SAMPLES, sample_files
from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.writer import Seg, TransactionSpec, build_interchange, segment

SAMPLE_DIR = SAMPLES / "835"
SAMPLE_FILES = sample_files("835")


def claims(events: Sequence[Event]) -> list[ClaimPayment]:
    return [e for e in events if isinstance(e, ClaimPayment)]


def ends(events: Sequence[Event]) -> list[TransactionEnd]:
    return [e for e in events if isinstance(e, TransactionEnd)]


# --- naive split of the raw text: the independent count every sample is checked against


def naive(text: str) -> dict[str, Decimal | int]:
    element, component, terminator = text[3], text[104], text[105]
    clp_paid = cas = plb = Decimal(0)
    clp_count = 0
    for raw in text.split(terminator):
        parts = raw.strip().split(element)
        sid = parts[0]
        if sid == "CLP":
            clp_count += 1
            clp_paid += Decimal(parts[4])
        elif sid == "CAS":
            cas += sum((Decimal(parts[i]) for i in range(3, len(parts), 3) if parts[i]), Decimal(0))
        elif sid == "PLB":
            plb += sum((Decimal(parts[i]) for i in range(4, len(parts), 2) if parts[i]), Decimal(0))
    assert component  # the ISA was read where the naive split expects it
    return {"clp_count": clp_count, "clp_paid": clp_paid, "cas": cas, "plb": plb}


def parsed_totals(events: Sequence[Event]) -> dict[str, Decimal | int]:
    found = claims(events)
    cas = sum((a.amount for c in found for a in c.adjustments), Decimal(0)) + sum(
        (a.amount for c in found for s in c.services for a in s.adjustments), Decimal(0)
    )
    plb = sum((e.amount for e in events if isinstance(e, ProviderAdjustment)), Decimal(0))
    return {
        "clp_count": len(found),
        "clp_paid": sum((c.paid for c in found), Decimal(0)),
        "cas": cas,
        "plb": plb,
    }


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_parses_without_losing_an_amount(path: Path) -> None:
    raw = path.read_bytes()
    events = list(read_835(raw))
    assert parsed_totals(events) == naive(raw.decode("latin-1"))
    assert isinstance(events[0], RemittanceHeader)
    assert isinstance(events[-1], TransactionEnd)
    assert events[-1].claim_count == len(claims(events))


# Per sample: claims, sum of CLP04, sum of PLB, BPR02. Every published 835 here balances
# (claim, line and transaction): the defects SOURCES.md lists are elsewhere (missing PER,
# BPR16 dates, N402 codes, TS3 elements), and amounts are what the readers of those
# projects test against.
EXPECTED = {
    "e835__emedny_sample.835": (3, "45.75", "0", "45.75"),
    "e835__united_healthcare_legacy_sample.835": (2, "349.99", "0", "349.99"),
    "lfh__managed-care.835": (2, "945.00", "0", "945.00"),
    # PLB*...*CV:CP*-1.27: a negative PLB adds to the payment: 149998.73 + 1.27.
    "lfh__medicare-part-a.835": (2, "149998.73", "-1.27", "150000.00"),
    "lfh__secondary-payment.835": (2, "1222.00", "0", "1222.00"),
    # A denial (CLP02 4) in a non-payment (BPR04 NON, BPR02 0): all 915.39 adjusted by CAS.
    "pyx12__835_mult_loops.835": (1, "0", "0", "0"),
}


def test_expected_table_covers_every_sample() -> None:
    assert {p.name for p in SAMPLE_FILES} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_balancing(name: str) -> None:
    count, paid, plb, bpr = EXPECTED[name]
    events = list(read_835((SAMPLE_DIR / name).read_bytes()))
    header, end = events[0], events[-1]
    assert isinstance(header, RemittanceHeader) and isinstance(end, TransactionEnd)
    assert end.claim_count == count
    assert end.total_claim_paid == Decimal(paid)
    assert end.total_plb == Decimal(plb)
    assert header.total_paid == Decimal(bpr)
    assert end.imbalances == ()
    assert all(c.imbalances == () for c in claims(events))


def test_sample_defects_listed_in_sources_are_tolerated_and_reported() -> None:
    # managed-care: BPR16 "20002316" is no calendar date (pyx12 flags it too).
    header = next(iter(read_835((SAMPLE_DIR / "lfh__managed-care.835").read_bytes())))
    assert isinstance(header, RemittanceHeader)
    assert header.payment_date is None
    assert header.warnings and "element 16" in header.warnings[0]
    # secondary-payment: the date sits in BPR15, so BPR16 is missing (pyx12: "BPR16 is
    # missing"); and its SVC01 composites use ">" while ISA16 is ":".
    events = list(read_835((SAMPLE_DIR / "lfh__secondary-payment.835").read_bytes()))
    header = events[0]
    assert isinstance(header, RemittanceHeader)
    assert header.payment_date is None
    assert header.payee_npi is None and header.payee_ids == {"FI": "599944521", "PQ": "10488"}
    second = claims(events)[1]
    assert [(s.procedure_qualifier, s.procedure_code, s.modifiers) for s in second.services] == [
        ("HC", "12345", ("26",)),
        ("HC", "66543", ("26",)),
    ]
    assert len(second.warnings) == 2
    assert second.services[1].revenue_code == "220"
    assert second.services[1].adjustments[1].reason_code == "2"


def test_sample_details() -> None:
    events = list(read_835((SAMPLE_DIR / "e835__united_healthcare_legacy_sample.835").read_text()))
    header = events[0]
    assert isinstance(header, RemittanceHeader)
    assert header.payer_id == "87726" and header.payee_npi == "1922164458"
    assert header.payment_date == date(2021, 2, 4)
    first, second = claims(events)
    assert first.patient_responsibility == Decimal("105.26")
    assert first.dates == {
        "232": date(2020, 12, 21),
        "233": date(2021, 1, 13),
        "050": date(2021, 1, 14),
    }
    assert first.amounts == {"AU": Decimal("194.18")}
    assert first.patient_name == ("MR", "COOL") and first.insured_id == "123456789"
    assert (first.facility_type, first.frequency) == ("12", "1")
    line = second.services[2]
    assert line.control_number == "123456789014" and line.allowed == Decimal("144.18")
    assert [(a.group_code, a.reason_code, a.amount, a.quantity) for a in line.adjustments] == [
        ("PR", "2", Decimal("5.13"), None),
        ("PR", "1", Decimal("110"), None),
        ("CO", "45", Decimal("184.32"), None),
    ]
    medicare = claims(list(read_835((SAMPLE_DIR / "lfh__medicare-part-a.835").read_text())))
    assert medicare[1].remark_codes == ("MA02",)
    emedny = claims(list(read_835((SAMPLE_DIR / "e835__emedny_sample.835").read_text())))
    assert emedny[2].services[2].remark_codes == ("N206",)
    assert emedny[0].corrected_name == ("CORRECTED LAST", "CORRECTED FIRST")


# --- hand-built 835s ------------------------------------------------------------------


def header_segments(total: str, credit: str = "C") -> list[Seg]:
    return [
        segment(
            "BPR", "I", total, credit, "ACH", "CCP", "01", "999999999", "DA", "12345",
            "1512345678", None, "01", "999988880", "DA", "98765", "20240105",
        ),
        segment("TRN", "1", "EFT0001", "1512345678"),
        segment("DTM", "405", "20240104"),
        segment("N1", "PR", "TEST PAYER"),
        segment("N3", "1 MAIN ST"),
        segment("N4", "ANYTOWN", "CA", "90001"),
        segment("REF", "2U", "PAYER01"),
        segment("PER", "BL", "EDI", "TE", "8005550100"),
        segment("N1", "PE", "TEST CLINIC", "XX", "1234567893"),
        segment("REF", "TJ", "123456789"),
    ]  # fmt: skip


def claim_segments(
    pcn: str,
    status: str,
    charge: str,
    paid: str,
    *,
    claim_cas: str | None,
    lines: Sequence[tuple[str, str, Sequence[tuple[str, str, str]]]],
) -> list[Seg]:
    out = [segment("CLP", pcn, status, charge, paid, "10.00", "12", "PAYER" + pcn, "11", "1")]
    if claim_cas is not None:
        out.append(segment("CAS", "CO", "45", claim_cas))
    out += [
        segment("NM1", "QC", "1", "DOE", "JANE", None, None, None, "MI", "M123"),
        segment("NM1", "82", "1", "SMITH", "ANN", None, None, None, "XX", "1234567893"),
        segment("MOA", None, None, "MA01", "N1"),
        segment("DTM", "232", "20240101"),
        segment("AMT", "AU", charge),
    ]
    for n, (line_charge, line_paid, cas) in enumerate(lines, start=1):
        out += [
            segment("SVC", ["HC", "99213", "25"], line_charge, line_paid, None, "1"),
            segment("DTM", "472", "20240101"),
        ]
        out += [segment("CAS", group, reason, amount) for group, reason, amount in cas]
        out += [
            segment("REF", "6R", f"{pcn}-{n}"),
            segment("AMT", "B6", line_paid),
            segment("LQ", "HE", "N130"),
        ]
    return out


def build(*bodies: Sequence[Seg], suffix: str = "\n", control: str = "0001") -> str:
    return build_interchange(
        sender_qualifier="ZZ", sender_id="PAYER", receiver_qualifier="ZZ",
        receiver_id="CLINIC", interchange_control=42, usage="T", ack_requested=False,
        functional_id="HP", app_sender="PAYER", app_receiver="CLINIC", group_control=7,
        version="005010X221A1",
        transactions=[
            TransactionSpec("835", f"{int(control) + i:04d}", body) for i, body in enumerate(bodies)
        ],
        timestamp=datetime(2024, 1, 5, 12, 0, tzinfo=UTC), segment_suffix=suffix,
    )  # fmt: skip


def balanced_body() -> list[Seg]:
    # Claim A: 310 - 200 = 110 = 10 (claim CAS) + 70 + 30 (line CAS); lines
    # 200 - 130 = 70 and 100 - 70 = 30. Claim B: 50 - 50 = 0, no CAS.
    # PLB 5.00 (withheld) and -2.50 (returned): BPR02 = 200 + 50 - (5.00 - 2.50) = 247.50.
    return [
        *header_segments("247.50"),
        segment("LX", "1"),
        *claim_segments(
            "A1", "1", "310.00", "200.00", claim_cas="10.00",
            lines=[("200.00", "130.00", [("CO", "45", "70.00")]),
                   ("100.00", "70.00", [("PR", "2", "30.00")])],
        ),
        *claim_segments("B2", "1", "50.00", "50.00", claim_cas=None,
                        lines=[("50.00", "50.00", [])]),
        segment("PLB", "1234567893", "20241231", ["WO", "REF1"], "5.00", ["L6"], "-2.50"),
    ]  # fmt: skip


def test_balanced_file_with_claim_and_line_cas_and_plb() -> None:
    events = list(read_835(build(balanced_body())))
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "RemittanceHeader", "ClaimPayment", "ClaimPayment",
        "ProviderAdjustment", "ProviderAdjustment", "TransactionEnd",
    ]  # fmt: skip
    header = events[0]
    assert isinstance(header, RemittanceHeader)
    assert header.total_paid == Decimal("247.50") and header.trace_number == "EFT0001"
    assert header.payer_id == "PAYER01" and header.payee_npi == "1234567893"
    assert header.payment_date == date(2024, 1, 5) and header.production_date == date(2024, 1, 4)
    a, b = claims(events)
    assert a.imbalances == () and b.imbalances == ()
    assert a.adjustments[0].amount == Decimal("10.00")
    assert a.services[0].modifiers == ("25",) and a.services[0].control_number == "A1-1"
    assert a.services[1].remark_codes == ("N130",)
    assert a.remark_codes == ("MA01", "N1") and a.rendering_npi == "1234567893"
    assert a.dates == {"232": date(2024, 1, 1)} and a.amounts == {"AU": Decimal("310.00")}
    plbs = [e for e in events if isinstance(e, ProviderAdjustment)]
    assert [(p.reason, p.reference, p.amount) for p in plbs] == [
        ("WO", "REF1", Decimal("5.00")),
        ("L6", None, Decimal("-2.50")),
    ]
    end = events[-1]
    assert isinstance(end, TransactionEnd)
    assert end.imbalances == () and end.claim_count == 2
    assert end.total_claim_paid == Decimal("250.00") and end.total_plb == Decimal("2.50")


def test_claim_that_does_not_balance() -> None:
    body = [
        *header_segments("200.00"),
        segment("LX", "1"),
        # 300 - 200 = 100, but CAS says 10 + 60 = 70 (the line itself balances).
        *claim_segments("BAD1", "1", "300.00", "200.00", claim_cas="10.00",
                        lines=[("300.00", "240.00", [("CO", "45", "60.00")])]),
    ]  # fmt: skip
    events = list(read_835(build(body)))
    (claim,) = claims(events)
    (imbalance,) = claim.imbalances
    assert imbalance.where == "claim BAD1"
    assert (imbalance.expected, imbalance.actual) == (Decimal("100.00"), Decimal("70.00"))
    assert "100.00" in imbalance.message and "70.00" in imbalance.message
    end = events[-1]
    assert isinstance(end, TransactionEnd) and end.imbalances == (imbalance,)


def test_line_that_does_not_balance() -> None:
    body = [
        *header_segments("200.00"),
        segment("LX", "1"),
        # Line 2: 100 - 60 = 40 but its CAS says 20. The claim still balances:
        # 300 - 200 = 100 = 20 (claim CAS) + 60 + 20.
        *claim_segments(
            "L2", "1", "300.00", "200.00", claim_cas="20.00",
            lines=[("200.00", "140.00", [("CO", "45", "60.00")]),
                   ("100.00", "60.00", [("PR", "2", "20.00")])],
        ),
    ]  # fmt: skip
    events = list(read_835(build(body)))
    (claim,) = claims(events)
    (imbalance,) = claim.imbalances
    assert imbalance.where == "service 2 of claim L2"
    assert (imbalance.expected, imbalance.actual) == (Decimal("40.00"), Decimal("20.00"))
    end = events[-1]
    assert isinstance(end, TransactionEnd) and end.imbalances == (imbalance,)


def test_reversal_with_negative_amounts() -> None:
    body = [
        *header_segments("-200.00", credit="D"),
        segment("LX", "1"),
        *claim_segments("R1", "22", "-300.00", "-200.00", claim_cas="-100.00",
                        lines=[("-300.00", "-200.00", [])]),
    ]  # fmt: skip
    events = list(read_835(build(body)))
    (claim,) = claims(events)
    assert claim.is_reversal and claim.status_code == "22"
    assert claim.paid == Decimal("-200.00") and claim.adjustments[0].amount == Decimal("-100.00")
    # The claim balances; the line (-300 - -200 = -100, no line CAS) does not, as written.
    assert [i.where for i in claim.imbalances] == ["service 1 of claim R1"]
    end = events[-1]
    assert isinstance(end, TransactionEnd) and end.total_claim_paid == Decimal("-200.00")
    assert [i.where for i in end.imbalances] == ["service 1 of claim R1"]


def test_multiple_transactions_in_one_group() -> None:
    second = [
        *header_segments("50.00"),
        segment("LX", "1"),
        *claim_segments("C3", "1", "80.00", "50.00", claim_cas="30.00", lines=[]),
    ]
    events = list(read_835(build(balanced_body(), second)))
    heads = [e for e in events if isinstance(e, RemittanceHeader)]
    assert [h.transaction_control for h in heads] == ["0001", "0002"]
    assert [(e.transaction_control, e.claim_count, e.imbalances) for e in ends(events)] == [
        ("0001", 2, ()),
        ("0002", 1, ()),
    ]
    # Per transaction: the second header comes after the first TransactionEnd.
    assert events.index(heads[1]) == events.index(ends(events)[0]) + 1


def test_several_interchanges_in_one_input() -> None:
    text = build(balanced_body()) + build(balanced_body())
    assert len(ends(list(read_835(text)))) == 2


@pytest.mark.parametrize("suffix", ["", "\r\n", "\n"])
def test_layouts_give_the_same_events(suffix: str) -> None:
    assert list(read_835(build(balanced_body(), suffix=suffix))) == list(
        read_835(build(balanced_body()))
    )


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 1000])
def test_chunked_streaming_equals_whole_text(chunk_size: int) -> None:
    text = build(balanced_body(), suffix="\r\n")
    whole = list(read_835(text))
    assert list(read_835(text, chunk_size=chunk_size)) == whole
    assert list(read_835(io.BytesIO(text.encode()), chunk_size=chunk_size)) == whole
    pieces = [text[i : i + chunk_size] for i in range(0, len(text), chunk_size)]
    assert list(read_835(iter(pieces))) == whole


def test_events_stream_before_the_input_ends() -> None:
    # A generator of chunks that fails after the first claim: the header and that claim
    # must already have been yielded, i.e. nothing waits for the whole file.
    text = build(balanced_body())
    cut = text.index("CLP*B2")

    def chunks() -> object:
        yield text[:cut]
        raise RuntimeError("the rest never arrives")

    seen: list[Event] = []
    with pytest.raises(RuntimeError):
        for event in read_835(chunks()):  # type: ignore[arg-type]
            seen.append(event)
    assert [type(e).__name__ for e in seen] == ["RemittanceHeader"]  # claim A1 closes at B2


# --- malformed input ---------------------------------------------------------------------


def replace_segment(text: str, prefix: str, new: str) -> tuple[str, int]:
    """`text` with the first segment starting with `prefix` replaced; its number."""
    segments = text.split("~")
    for i, seg in enumerate(segments):
        if seg.lstrip().startswith(prefix):
            segments[i] = seg[: len(seg) - len(seg.lstrip())] + new
            return "~".join(segments), i + 1
    raise AssertionError(prefix)


@pytest.mark.parametrize(
    ("prefix", "new", "element", "reason"),
    [
        ("CLP*A1", "CLP*A1*1*3OO.00*200.00", 3, "not a decimal number"),
        ("CLP*A1", "CLP*A1*1*300.00", 4, "required amount is missing"),
        ("SVC*HC:99213:25*200", "SVC**200.00*140.00", 1, "SVC01"),
        ("SVC*HC:99213:25*200", "SVC*HC*200.00*140.00", 1, "SVC01"),
        ("CAS*CO*45*70", "CAS*CO*45", 3, "without an amount"),
        ("CAS*CO*45*70", "CAS*CO*45*70.00**253", 6, "without an amount"),
        ("CAS*CO*45*70", "CAS*XX*45*60.00", 1, "group code"),
        ("CAS*CO*45*70", "CAS*CO*45*1e2", 3, "not a decimal number"),
        ("ST*835", "ST*837*0001*005010X221A1", 1, "ST01"),
        ("BPR", "BPR*I*NaN*C*ACH", 2, "not a decimal number"),
        ("PLB", "PLB*1234567893*20241231*WO:REF1", 4, "without an amount"),
        ("DTM*232", "DTM*232*20241332", 2, "calendar date"),
        ("GS*HP", "GS*HC*PAYER*CLINIC*20240105*1200*7*X*005010X221A1", 1, "GS01"),
    ],
)
def test_malformed_input_is_located(prefix: str, new: str, element: int, reason: str) -> None:
    text, number = replace_segment(build(balanced_body()), prefix, new)
    with pytest.raises(X12SyntaxError) as caught:
        list(read_835(text))
    assert caught.value.segment_number == number
    assert caught.value.element_position == element
    assert reason in caught.value.reason
    assert caught.value.to_dict()["segment_number"] == number


@pytest.mark.parametrize(
    ("prefix", "new"),
    [
        ("NM1*QC", "CLM*A1*300"),  # an 837 segment inside a claim
        ("LQ*HE", "NM1*QC*1*DOE"),  # NM1 belongs to 2100, not after an SVC
        ("TRN", "SVC*HC:99213*1*1"),  # SVC in the header
        ("LX", "CLP*Z*1*1*1"),  # CLP without LX (after a header that is complete)
        ("PLB", "PLB*1234567893*20241231*WO:REF1*5.00~CLP*Z*1*1*1"),  # claims after PLB
    ],
)
def test_segments_the_guide_does_not_allow_there(prefix: str, new: str) -> None:
    text, number = replace_segment(build(balanced_body()), prefix, new)
    if new.endswith("CLP*Z*1*1*1") and prefix == "PLB":
        # One extra segment: fix SE01 so the envelope is not what fails.
        text = re.sub(r"SE\*(\d+)\*", lambda m: f"SE*{int(m.group(1)) + 1}*", text)
        number += 1
    with pytest.raises(X12SyntaxError) as caught:
        list(read_835(text))
    assert caught.value.segment_number == number
    assert (
        "not allowed" in caught.value.reason
        or "CLP before" in caught.value.reason
        or ("SVC" in caught.value.reason)
    )


def test_allowed_but_unused_segments_are_skipped() -> None:
    text, _ = replace_segment(build(balanced_body()), "LQ*HE", "QTY*ZL*1")
    text, _ = replace_segment(text, "MOA", "PER*CX*CLAIMS*TE*8005550100")
    text, _ = replace_segment(text, "LX", "LX*1~TS3*1234567893*11*20241231*2*350.00")
    text = re.sub(r"SE\*(\d+)\*", lambda m: f"SE*{int(m.group(1)) + 1}*", text)
    end = list(read_835(text))[-1]
    assert isinstance(end, TransactionEnd) and end.claim_count == 2


def test_envelope_errors_come_from_the_validator() -> None:
    text = re.sub(r"SE\*\d+\*", "SE*3*", build(balanced_body()))
    with pytest.raises(X12SyntaxError) as caught:
        list(read_835(text))
    assert caught.value.segment_id == "SE" and caught.value.element_position == 1
    with pytest.raises(X12SyntaxError):
        list(read_835(build(balanced_body()).rsplit("IEA", 1)[0]))


def test_missing_trn_is_reported_where_the_header_ends() -> None:
    text, _ = replace_segment(build(balanced_body()), "TRN", "NTE*CX*NOTE")
    lx = text.split("~").index("\nLX*1") + 1
    with pytest.raises(X12SyntaxError) as caught:
        list(read_835(text))
    assert caught.value.segment_number == lx and "TRN" in caught.value.reason


def test_fast_built_events_equal_dataclass_built_ones() -> None:
    # The reader fills frozen dataclasses without their __init__ (speed); replace() runs
    # the real __init__ with every field, so a field the reader forgot would fail here.
    for event in read_835(build(balanced_body())):
        assert dataclasses.replace(event) == event
        if isinstance(event, ClaimPayment):
            for service in event.services:
                assert dataclasses.replace(service) == service
                for adjustment in service.adjustments:
                    assert dataclasses.replace(adjustment) == adjustment
