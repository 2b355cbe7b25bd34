"""999 and 277CA reading: every public sample says what it says, hand-built files cover
accept/reject/partial cases, and malformed input fails at a named segment and element."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from rcm_claims.domain.acknowledgments import (
    ClaimStatus,
    GroupAck,
    TransactionAck,
    detect_kind,
    parse_277ca,
    parse_999,
)
from rcm_shared.testing.x12_data import SAMPLES
from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.separators import Separators
from rcm_shared.x12.writer import Seg, TransactionSpec, build_interchange, segment

WHEN = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
X231 = "005010X231A1"
X214 = "005010X214"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="latin-1")


def build(
    set_id: str,
    version: str,
    *bodies: Sequence[Seg],
    functional_id: str = "FA",
    interchange_control: int = 905,
) -> str:
    """One interchange, one group, one transaction per body. ISA=1, GS=2, ST=3, body from 4."""
    return build_interchange(
        sender_qualifier="ZZ",
        sender_id="CLEARINGHOUSE",
        receiver_qualifier="ZZ",
        receiver_id="RCMBACKBONE",
        interchange_control=interchange_control,
        usage="T",
        ack_requested=False,
        functional_id=functional_id,
        app_sender="CLEARINGHOUSE",
        app_receiver="RCMBACKBONE",
        group_control=77,
        version=version,
        transactions=[
            TransactionSpec(set_id, f"{n:04d}", body) for n, body in enumerate(bodies, start=1)
        ],
        timestamp=WHEN,
    )


def ack999(*bodies: Sequence[Seg]) -> str:
    return build("999", X231, *bodies)


def ca277(body: Sequence[Seg]) -> str:
    return build("277", X214, body, functional_id="HN")


def syntax_error(excinfo: pytest.ExceptionInfo[X12SyntaxError]) -> tuple[int, int | None]:
    return excinfo.value.segment_number, excinfo.value.element_position


def test_the_sample_folders_hold_the_files_these_tests_name() -> None:
    # Guards against the parametrized sample tests silently running on nothing.
    assert sorted(p.name for p in (SAMPLES / "999").iterdir()) == [
        "ims__x12_999_accepted.999",
        "ims__x12_999_rejected.999",
        "pyx12__834_lui_id_5010.999",
    ]
    assert sorted(p.name for p in (SAMPLES / "277ca").iterdir()) == [
        "ims__x12_277CA_accepted.277",
        "ims__x12_277CA_rejected.277",
    ]


# --- detect_kind -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("999/ims__x12_999_rejected.999", "999"),
        ("999/pyx12__834_lui_id_5010.999", "999"),  # GS08/ST03 005010X231 (before the errata)
        ("277ca/ims__x12_277CA_accepted.277", "277CA"),
        ("277ca/ims__x12_277CA_rejected.277", "277CA"),
    ],
)
def test_detect_kind_of_samples(name: str, kind: str) -> None:
    assert detect_kind(sample(name)) == kind


def test_detect_kind_refuses_an_837_at_st01() -> None:
    with pytest.raises(X12SyntaxError) as excinfo:
        detect_kind(sample("837p/lfh__demo.example1.837"))
    assert syntax_error(excinfo) == (3, 1)
    assert excinfo.value.segment_id == "ST"


def test_detect_kind_refuses_a_hand_built_837() -> None:
    text = build("837", "005010X222A1", [segment("BHT", "0019", "00", "1", "20250701")])
    with pytest.raises(X12SyntaxError) as excinfo:
        detect_kind(text)
    assert syntax_error(excinfo) == (3, 1)
    assert "837" in excinfo.value.reason


def test_detect_kind_refuses_a_claim_status_277_by_its_version() -> None:
    # A 277 that answers a 276 (005010X212) is not a claim acknowledgment: ST03 says so.
    text = sample("277/lfh__claim-level-status.277")
    with pytest.raises(X12SyntaxError) as excinfo:
        detect_kind(text)
    assert syntax_error(excinfo) == (3, 3)
    # Without ST03 the version comes from GS08, and the error points there.
    without_st03 = text.replace("ST*277*0001*005010X212~", "ST*277*0001~")
    assert without_st03 != text
    with pytest.raises(X12SyntaxError) as excinfo:
        detect_kind(without_st03)
    assert syntax_error(excinfo) == (2, 8)
    assert excinfo.value.segment_id == "GS"


def test_detect_kind_refuses_an_interchange_mixing_999_and_277ca() -> None:
    first = ack999(ACCEPT_ONE).splitlines()
    second = ca277(two_claims()).splitlines()
    # ISA, the 999 group (GS..GE), the 277CA group, IEA with two groups.
    mixed = [*first[:-1], *second[1:-1], first[-1].replace("IEA*1*", "IEA*2*")]
    text = "\n".join(mixed) + "\n"
    second_st = len(first) - 1 + 2  # the GS of the second group, then its ST
    with pytest.raises(X12SyntaxError) as excinfo:
        detect_kind(text)
    assert syntax_error(excinfo) == (second_st, 1)


def test_each_parser_refuses_the_other_kind() -> None:
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_999(sample("277ca/ims__x12_277CA_accepted.277"))
    assert syntax_error(excinfo) == (3, 1)
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_277ca(sample("999/ims__x12_999_rejected.999"))
    assert syntax_error(excinfo) == (3, 1)


# --- 999 samples -------------------------------------------------------------------------------


def test_sample_accepted_999_is_malformed_its_iea_does_not_match_its_isa() -> None:
    # IEA02 000000001 against ISA13 000000286: an envelope error, so the file is refused
    # (a 999 whose envelope is broken cannot be trusted to say what was accepted).
    text = sample("999/ims__x12_999_accepted.999")
    for read in (parse_999, detect_kind):
        with pytest.raises(X12SyntaxError) as excinfo:
            read(text)
        assert syntax_error(excinfo) == (10, 2)
        assert excinfo.value.segment_id == "IEA"


def test_sample_accepted_999_accepts_its_837_once_the_envelope_is_mended() -> None:
    text = sample("999/ims__x12_999_accepted.999").replace("IEA*1*000000001", "IEA*1*000000286")
    ack = parse_999(text)
    assert ack.interchange_control == "000000286"
    assert ack.groups == [
        GroupAck(
            group_control="17456",
            status="A",
            accepted_count=1,
            received_count=1,
            transactions=[TransactionAck("17456", "837", "0001", "A", True, [])],
        )
    ]


def test_sample_rejected_999_with_pipe_component_separator() -> None:
    ack = parse_999(sample("999/ims__x12_999_rejected.999"))
    assert ack.interchange_control == "095832987"
    [group] = ack.groups
    assert (group.group_control, group.status) == ("28", "R")
    assert (group.accepted_count, group.received_count) == (0, 1)
    [transaction] = group.transactions
    assert transaction == TransactionAck(
        group_control="28",
        transaction_set="837",
        transaction_control="0028",
        status="R",
        accepted=False,
        errors=[
            "segment NM at position 17: Unrecognized segment ID (IK304 1)",
            "transaction: One or More Segments in Error (IK502 5)",
        ],
    )


def test_sample_pyx12_999_has_four_acknowledgments_in_two_groups() -> None:
    ack = parse_999(sample("999/pyx12__834_lui_id_5010.999"))
    assert ack.interchange_control == "308082146"
    assert len(ack.groups) == 4
    for group in ack.groups:
        assert (group.group_control, group.status) == ("13360001", "A")
        assert group.transactions == [TransactionAck("13360001", "834", "0001", "A", True, [])]


# --- hand-built 999s ---------------------------------------------------------------------------

ACCEPT_ONE = [
    segment("AK1", "HC", "4711", "005010X222A1"),
    segment("AK2", "837", "0001", "005010X222A1"),
    segment("IK5", "A"),
    segment("AK9", "A", "1", "1", "1"),
]


def test_999_accepts_two_transactions_and_rejects_one_with_ik3_ik4_details() -> None:
    text = ack999(
        [
            segment("AK1", "HC", "4711", "005010X222A1"),
            segment("AK2", "837", "0001", "005010X222A1"),
            segment("IK5", "A"),
            segment("AK2", "837", "0002", "005010X222A1"),
            segment("IK3", "NM1", "17", "2010BA", "8"),
            segment("CTX", ("CLM01", "PCN-SECRET")),
            segment("IK4", "9", "67", "7", "M12345678"),  # IK404: the bad member id
            segment("IK3", "CLM", "22", "2300", "8"),
            segment("IK4", ("5", "3"), "1325", "I6", "Z"),
            segment("IK3", "PWK", "40", None, "I4"),
            segment("IK5", "R", "5", "I5"),
            segment("AK2", "837", "0003", "005010X222A1"),
            segment("IK5", "E"),
            segment("AK9", "P", "3", "3", "2"),
        ]
    )
    ack = parse_999(text)
    [group] = ack.groups
    assert (group.group_control, group.status, group.errors) == ("4711", "P", [])
    assert (group.accepted_count, group.received_count) == (2, 3)
    first, second, third = group.transactions
    assert first == TransactionAck("4711", "837", "0001", "A", True, [])
    assert third == TransactionAck("4711", "837", "0003", "E", True, [])
    assert (second.transaction_control, second.status, second.accepted) == ("0002", "R", False)
    assert second.errors == [
        "segment NM1 at position 17 in loop 2010BA: Segment Has Data Element Errors (IK304 8)",
        "NM109 (segment NM1 at position 17 in loop 2010BA): Invalid Code Value (IK403 7)",
        "segment CLM at position 22 in loop 2300: Segment Has Data Element Errors (IK304 8)",
        "CLM05-3 (segment CLM at position 22 in loop 2300): "
        "Code Value Not Used in Implementation (IK403 I6)",
        'segment PWK at position 40: Implementation "Not Used" Segment Present (IK304 I4)',
        "transaction: One or More Segments in Error (IK502 5)",
        "transaction: Implementation One or More Segments in Error (IK503 I5)",
    ]
    # IK404 and CTX values can be PHI (member ids, account numbers): never echoed.
    assert not any("M12345678" in e or "PCN-SECRET" in e for e in second.errors)


def test_999_ak9_partial_acceptance() -> None:
    text = ack999(
        [
            segment("AK1", "HC", "4712", "005010X222A1"),
            segment("AK2", "837", "1001", "005010X222A1"),
            segment("IK5", "A"),
            segment("AK2", "837", "1002", "005010X222A1"),
            segment("IK5", "R", "2"),
            segment("AK9", "P", "2", "2", "1"),
        ]
    )
    [group] = parse_999(text).groups
    assert (group.status, group.accepted_count, group.received_count) == ("P", 1, 2)
    assert [(t.transaction_control, t.accepted) for t in group.transactions] == [
        ("1001", True),
        ("1002", False),
    ]
    assert group.transactions[1].errors == [
        "transaction: Transaction Set Trailer Missing (IK502 2)"
    ]


def test_999_group_rejection_reports_ak9_error_codes() -> None:
    text = ack999(
        [
            segment("AK1", "HC", "4713", "005010X222A3"),
            segment("AK9", "R", "1", "1", "0", "2", "77"),
        ]
    )
    [group] = parse_999(text).groups
    assert (group.status, group.accepted_count, group.transactions) == ("R", 0, [])
    assert group.errors == [
        "group: Functional Group Version Not Supported (AK905 2)",
        "group: code not in the table (AK906 77)",
    ]


def test_999_with_two_transaction_sets_gives_two_groups() -> None:
    second = [segment("AK1", "HC", "4714", "005010X222A1"), *ACCEPT_ONE[1:]]
    ack = parse_999(ack999(ACCEPT_ONE, second))
    assert ack.interchange_control == "000000905"
    assert [g.group_control for g in ack.groups] == ["4711", "4714"]


AK1 = segment("AK1", "HC", "4711", "005010X222A1")
AK2 = segment("AK2", "837", "0001", "005010X222A1")
AK9 = segment("AK9", "A", "1", "1", "1")


@pytest.mark.parametrize(
    ("body", "where"),  # where: segment number, element position, a word of the reason
    [
        # missing AK1: the AK2 (segment 4) stands where AK1 must be
        pytest.param([AK2, segment("IK5", "A"), AK9], (4, None, "AK1"), id="missing-AK1"),
        pytest.param(
            [segment("AK1", "HC"), AK2, segment("IK5", "A"), AK9],
            (4, 2, "AK102"),
            id="AK1-no-group",
        ),
        pytest.param([AK1, AK2, segment("IK5"), AK9], (6, 1, "IK501"), id="IK5-without-status"),
        pytest.param(
            [AK1, AK2, segment("IK5", "Q"), AK9], (6, 1, "IK501"), id="IK5-unknown-status"
        ),
        pytest.param(
            [AK1, AK2, segment("AK2", "837", "0002"), segment("IK5", "A"), AK9],
            (6, None, "no IK5"),
            id="AK2-without-IK5",
        ),
        pytest.param([AK1, AK2, segment("IK5", "A")], (7, None, "no AK9"), id="no-AK9"),
        pytest.param([AK1, AK2], (6, None, "no IK5"), id="SE-closes-open-AK2"),
        pytest.param([AK1, AK2, AK9], (6, None, "no IK5"), id="AK9-closes-open-AK2"),
        pytest.param(
            [AK1, segment("AK2", "837"), segment("IK5", "A"), AK9], (5, 2, "AK202"), id="AK202"
        ),
        pytest.param(
            [AK1, AK2, segment("IK4", "1", None, "1"), segment("IK5", "R"), AK9],
            (6, None, "IK3"),
            id="IK4-without-IK3",
        ),
        pytest.param(
            [AK1, AK2, segment("IK3", "NM1", "X", None, "8"), segment("IK5", "R"), AK9],
            (6, 2, "integer"),
            id="IK302-not-a-number",
        ),
        pytest.param(
            [AK1, AK2, segment("IK3", "NM1", "3"), segment("IK5", "R"), AK9],
            (6, 4, "IK304"),
            id="IK304-missing",
        ),
        pytest.param(
            [
                AK1,
                AK2,
                segment("IK3", "NM1", "3", None, "8"),
                segment("IK4", None, "66", "7"),
                segment("IK5", "R"),
                AK9,
            ],
            (7, 1, "IK401-1"),
            id="IK401-missing",
        ),
        pytest.param(
            [AK1, AK2, segment("IK5", "A"), segment("AK9", "A", "1", "1", "2")], (7, 4, "AK904")
        ),
        pytest.param([AK1, AK2, segment("IK5", "A"), segment("AK9", "A", "1")], (7, 3, "integer")),
        pytest.param(
            [AK1, AK2, segment("IK5", "A"), segment("AK9", "Z", "1", "1", "1")], (7, 1, "AK901")
        ),
        pytest.param(
            [AK1, segment("REF", "X", "1"), AK2], (5, None, "999"), id="not-a-999-segment"
        ),
        pytest.param(
            [AK1, AK2, segment("IK5", "A"), AK9, AK2], (8, None, "after the AK9"), id="after-AK9"
        ),
        pytest.param(
            [AK1, segment("IK5", "A"), AK9], (5, None, "without AK2"), id="IK5-without-AK2"
        ),
    ],
)
def test_malformed_999_names_segment_and_element(
    body: list[Seg], where: tuple[int, int | None, str]
) -> None:
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_999(ack999(body))
    number, element, word = where
    assert syntax_error(excinfo) == (number, element)
    assert word in excinfo.value.reason


def test_ik401_component_error_names_the_component() -> None:
    body = [
        AK1,
        AK2,
        segment("IK3", "CLM", "3", None, "8"),
        segment("IK4", ("5", "x"), None, "7"),
        segment("IK5", "R"),
        AK9,
    ]
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_999(ack999(body))
    assert syntax_error(excinfo) == (7, 1)
    assert excinfo.value.component_position == 2


def test_truncated_999_without_iea() -> None:
    text = sample("999/ims__x12_999_rejected.999")
    lines = text.splitlines(keepends=True)
    assert lines[-1].startswith("IEA")
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_999("".join(lines[:-1]))  # 10 segments, the file ends after GE
    assert syntax_error(excinfo) == (11, None)
    assert "no IEA" in excinfo.value.reason
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_999(text[: text.index("IEA") + 6])  # cut inside the IEA itself
    assert syntax_error(excinfo) == (11, None)
    assert "terminator" in excinfo.value.reason


# --- 277CA samples -----------------------------------------------------------------------------


def test_sample_accepted_277ca() -> None:
    assert parse_277ca(sample("277ca/ims__x12_277CA_accepted.277")) == [
        ClaimStatus(
            patient_control_number="5781",
            accepted=True,
            statuses=["A2:20"],
            reasons=[
                "A2 Acknowledgement/Acceptance into adjudication system: 20 Accepted for processing"
            ],
            payer_claim_control_number="1107000000014420",
            total_charge=Decimal("125"),
            status_date=date(2011, 3, 11),
        )
    ]


def test_sample_rejected_277ca_with_pipe_component_separator() -> None:
    # One line, ISA16 "|": the composite comes back as "A7:562:85" all the same.
    [claim] = parse_277ca(sample("277ca/ims__x12_277CA_rejected.277"))
    assert claim == ClaimStatus(
        patient_control_number="3920394930203",
        accepted=False,
        statuses=["A7:562:85"],
        reasons=[
            "A7 Acknowledgement/Rejected for Invalid Information: "
            "562 Entity's National Provider Identifier (NPI) (entity 85 Billing Provider)"
        ],
        payer_claim_control_number="1107000000001120",
        total_charge=Decimal("199.14"),
        status_date=date(2011, 3, 11),
    )


def test_trailing_component_separators_do_not_reach_the_status_text() -> None:
    text = sample("277ca/ims__x12_277CA_accepted.277").replace("STC*A2:20*", "STC*A2:20::*")
    assert text.count("A2:20::") == 1
    [claim] = parse_277ca(text)
    assert claim.statuses == ["A2:20"]


# --- hand-built 277CAs -------------------------------------------------------------------------


def header() -> list[Seg]:
    """Segments 4-20: BHT, source (20), receiver (21), billing provider (19)."""
    return [
        segment("BHT", "0085", "08", "BATCH1", "20250701", "0930", "TH"),  # 4
        segment("HL", "1", None, "20", "1"),  # 5
        segment("NM1", "PR", "2", "ACME HEALTH", None, None, None, None, "PI", "12345"),
        segment("TRN", "1", "TRACE1"),
        segment("DTP", "050", "D8", "20250701"),
        segment("DTP", "009", "D8", "20250701"),  # 9
        segment("HL", "2", "1", "21", "1"),  # 10
        segment("NM1", "41", "2", "RCM BILLING", None, None, None, None, "46", "SUB1"),
        segment("TRN", "2", "BATCH1"),
        # receiver-level status: about the batch, not a claim
        segment("STC", ("A1", "19", "PR"), "20250701", "WQ", "400.00"),  # 13
        segment("QTY", "90", "1"),
        segment("QTY", "AA", "1"),
        segment("AMT", "YU", "150.00"),
        segment("AMT", "YY", "250.00"),  # 17
        segment("HL", "3", "2", "19", "1"),  # 18
        segment("NM1", "85", "2", "CLINIC", None, None, None, None, "XX", "1245319599"),
        segment("TRN", "1", "0"),  # 20
    ]


def claim_level(hl: str, parent: str, pcn: str, *rest: Seg) -> list[Seg]:
    return [
        segment("HL", hl, parent, "PT"),
        segment("NM1", "QC", "1", "DOE", "JANE", None, None, None, "MI", "M123"),
        segment("TRN", "2", pcn),
        *rest,
    ]


def two_claims() -> list[Seg]:
    return [
        *header(),
        *claim_level(  # HL at 21
            "4",
            "3",
            "PCN-0001",
            segment("STC", ("A1", "19", "PR"), "20250630", "WQ", "150.00"),  # 24
            segment("STC", ("A2", "20"), "20250701", "WQ"),  # 25: no STC04 this time
            segment("REF", "1K", "PAYER-CCN-77"),
            segment("DTP", "472", "D8", "20250615"),  # 27
        ),
        *claim_level(  # HL at 28
            "5",
            "3",
            "PCN-0002",
            segment(
                "STC",
                ("A7", "562", "85"),
                "20250701",
                "U",
                "250.00",
                *([None] * 5),
                ("A7", "164", "IL"),
                ("A6", "187"),
                "NPI NOT ON FILE",
            ),  # 31
            segment("DTP", "472", "RD8", "20250601-20250602"),  # 32
        ),
    ]  # SE at 33


def test_277ca_with_two_claims_one_accepted_one_rejected() -> None:
    accepted, rejected = parse_277ca(ca277(two_claims()))
    assert accepted == ClaimStatus(
        patient_control_number="PCN-0001",
        accepted=True,
        statuses=["A1:19:PR", "A2:20"],
        reasons=[
            "A1 Acknowledgement/Receipt: the claim has been received (not yet accepted for "
            "adjudication): 19 Entity acknowledges receipt of claim/encounter (entity PR Payer)",
            "A2 Acknowledgement/Acceptance into adjudication system: 20 Accepted for processing",
        ],
        payer_claim_control_number="PAYER-CCN-77",
        total_charge=Decimal("150.00"),  # the first STC04
        status_date=date(2025, 6, 30),  # the first STC's date
    )
    assert rejected == ClaimStatus(
        patient_control_number="PCN-0002",
        accepted=False,
        statuses=["A7:562:85", "A7:164:IL", "A6:187"],
        reasons=[
            "A7 Acknowledgement/Rejected for Invalid Information: "
            "562 Entity's National Provider Identifier (NPI) (entity 85 Billing Provider)",
            "A7 Acknowledgement/Rejected for Invalid Information: "
            "164 Entity's contract/member number (entity IL Insured or Subscriber)",
            "A6 Acknowledgement/Rejected for Missing Information: 187 Date(s) of service",
            "action code U: reject",
            "message: NPI NOT ON FILE",
        ],
        payer_claim_control_number=None,
        total_charge=Decimal("250.00"),
        status_date=date(2025, 7, 1),
    )
    # The patient's name (NM1 in 2100D) never reaches the readable reasons.
    assert not any("DOE" in r for r in accepted.reasons + rejected.reasons)


def test_billing_provider_rejection_rejects_every_claim_under_it() -> None:
    body = [
        *header()[:-1],
        segment("TRN", "1", "0"),  # 20
        segment("STC", ("A3", "24", "85"), "20250701", "U", "150.00"),  # provider 3 rejected
        *claim_level("4", "3", "PCN-0101", segment("STC", ("A2", "20"), "20250701", "WQ", "100")),
        segment("HL", "5", "2", "19", "1"),  # a second billing provider, not rejected
        segment("NM1", "85", "2", "OTHER CLINIC", None, None, None, None, "XX", "1234567893"),
        segment("TRN", "1", "0"),
        *claim_level("6", "5", "PCN-0202", segment("STC", ("A2", "20"), "20250701", "WQ", "50")),
    ]
    under_rejected, elsewhere = parse_277ca(ca277(body))
    assert under_rejected.patient_control_number == "PCN-0101"
    assert under_rejected.accepted is False
    assert under_rejected.statuses == ["A2:20"]  # the claim's own status, unchanged
    assert under_rejected.reasons[:2] == [
        "billing provider: A3 Acknowledgement/Returned as unprocessable claim: rejected, not "
        "entered into adjudication: 24 Entity not approved as an electronic submitter "
        "(entity 85 Billing Provider)",
        "billing provider: action code U: reject",
    ]
    assert (elsewhere.patient_control_number, elsewhere.accepted) == ("PCN-0202", True)
    assert not any(r.startswith("billing provider") for r in elsewhere.reasons)


def test_receiver_level_status_leaves_the_claim_list_alone() -> None:
    # 2200B speaks for the whole batch; the claim list is built from claim levels only.
    body = replaced(two_claims(), 13, segment("STC", ("A3", "24", "41"), "20250701", "U", "400"))
    accepted, rejected = parse_277ca(ca277(body))
    assert (accepted.accepted, rejected.accepted) == (True, False)
    assert not any("24 Entity not approved" in r for r in accepted.reasons + rejected.reasons)


def test_service_line_statuses_stay_out_of_the_claim_statuses() -> None:
    body = [
        *header(),
        *claim_level(
            "4",
            "3",
            "PCN-0303",
            segment("STC", ("A7", "21"), "20250701", "U", "80.00"),
            segment("REF", "1K", "CCN-1"),
            segment("SVC", ("HC", "99213"), "80.00", None, None, None, None, "1"),
            segment("STC", ("A7", "454"), "20250701", "U"),
            segment("REF", "FJ", "LINE1"),
            segment("REF", "1K", "NOT-THE-CLAIM"),
        ),
    ]
    [claim] = parse_277ca(ca277(body))
    assert (claim.statuses, claim.accepted) == (["A7:21"], False)
    assert claim.payer_claim_control_number == "CCN-1"


@pytest.mark.parametrize(
    ("composite", "action", "accepted"),
    [
        (("A0", "16", "PR"), "WQ", True),
        (("A1", "19", "PR"), "WQ", True),
        (("A2", "20"), "WQ", True),
        (("A5", "717"), "WQ", True),
        (("A2", "20"), "U", False),  # the action code says reject: rejected
        (("A3", "21"), "U", False),
        (("A4", "35"), "U", False),
        (("A6", "21"), "U", False),
        (("A7", "562", "85"), "WQ", False),  # as in the rejected sample: WQ yet A7
        (("A8", "21"), "U", False),
        (("E1", "484"), None, False),
        (("Z9", "1"), "WQ", False),  # unknown category: not proven accepted
    ],
)
def test_which_categories_accept(
    composite: tuple[str, ...], action: str | None, accepted: bool
) -> None:
    body = [
        *header(),
        *claim_level("4", "3", "PCN-1", segment("STC", composite, "20250701", action, "10")),
    ]
    [claim] = parse_277ca(ca277(body))
    assert claim.accepted is accepted
    assert claim.statuses == [":".join(composite)]


def replaced(body: list[Seg], number: int, *new: Seg) -> list[Seg]:
    """`body` with the segment at file position `number` replaced by `new` (or removed)."""
    index = number - 4  # the body starts after ISA, GS, ST
    return [*body[:index], *new, *body[index + 1 :]]


STC_A2 = segment("STC", ("A2", "20"), "20250701", "WQ", "10.00")


@pytest.mark.parametrize(
    ("body", "where"),  # where: segment number, element position, a word of the reason
    [
        # claim level without TRN: the STC (now segment 23) stands where TRN must be
        pytest.param(replaced(two_claims(), 23), (23, None, "no TRN"), id="claim-without-TRN"),
        pytest.param(
            [
                *header(),
                segment("HL", "4", "3", "PT"),  # 21
                segment("NM1", "QC", "1", "DOE"),
                *claim_level("5", "3", "PCN-2", STC_A2),  # HL at 23
            ],
            (23, None, "no TRN"),
            id="claim-level-ends-without-TRN",
        ),
        pytest.param(
            replaced(two_claims(), 23, segment("TRN", "2")), (23, 2, "TRN02"), id="TRN-without-PCN"
        ),
        pytest.param(
            replaced(two_claims(), 24, segment("STC", None, "20250701", "WQ", "150")),
            (24, 1, "STC01"),
            id="STC-without-composite",
        ),
        pytest.param(
            replaced(two_claims(), 25, segment("STC", ("A2",), "20250701")),
            (25, 1, "status code"),
            id="STC01-without-status-code",
        ),
        pytest.param(
            replaced(
                two_claims(),
                25,
                segment("STC", ("A2", "20"), "20250701", None, None, *([None] * 5), ("A7",)),
            ),
            (25, 10, "status code"),
            id="STC10-incomplete",
        ),
        pytest.param(
            replaced(two_claims(), 24, segment("STC", ("A2", "20"), "20251399")),
            (24, 2, "date"),
            id="STC02-not-a-date",
        ),
        pytest.param(
            replaced(two_claims(), 24, segment("STC", ("A2", "20"), "20250701", "WQ", "12,50")),
            (24, 4, "decimal"),
            id="STC04-not-an-amount",
        ),
        pytest.param(
            replaced(two_claims(), 31, segment("REF", "1K", "CCN")),
            (33, None, "no STC"),  # the SE ends the last claim level, which has no STC
            id="claim-without-STC",
        ),
        pytest.param(
            replaced(two_claims(), 13, segment("STC", None, "20250701")),
            (13, 1, "STC01"),
            id="receiver-STC-without-composite",
        ),
        pytest.param(
            replaced(two_claims(), 28, segment("HL", "5", "3", "22")),
            (28, 3, "HL03"),
            id="HL03-unknown",
        ),
        pytest.param(
            replaced(two_claims(), 28, segment("HL", "5", "9", "PT")),
            (28, 2, "HL02"),
            id="HL02-no-parent",
        ),
        pytest.param(
            replaced(two_claims(), 28, segment("HL", "4", "3", "PT")),
            (28, 1, "HL01"),
            id="HL01-repeated",
        ),
        pytest.param(
            replaced(
                two_claims(), 5, segment("NM1", "PR", "2", "X"), segment("HL", "1", None, "20")
            ),
            (5, None, "first HL"),
            id="segment-before-first-HL",
        ),
        pytest.param(
            replaced(two_claims(), 27, segment("CLM", "PCN-0001", "150")),
            (27, None, "277CA"),
            id="not-a-277CA-segment",
        ),
        pytest.param(
            replaced(two_claims(), 24, segment("SVC", ("HC", "99213"), "150")),
            (24, None, "service lines"),
            id="SVC-before-claim-STC",
        ),
        pytest.param(
            [
                *header(),
                *claim_level(
                    "4",
                    "3",
                    "PCN-1",
                    STC_A2,  # 24
                    segment("SVC", ("HC", "99213"), "10.00"),
                    segment("STC", (None, "454"), "20250701", "U"),  # 26: line status, no category
                ),
            ],
            (26, 1, "category"),
            id="service-line-STC-incomplete",
        ),
    ],
)
def test_malformed_277ca_names_segment_and_element(
    body: list[Seg], where: tuple[int, int | None, str]
) -> None:
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_277ca(ca277(body))
    number, element, word = where
    assert syntax_error(excinfo) == (number, element)
    assert word in excinfo.value.reason


def test_277ca_stc01_missing_status_code_names_the_component() -> None:
    body = replaced(two_claims(), 25, segment("STC", ("A2",), "20250701"))
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_277ca(ca277(body))
    assert (excinfo.value.element_position, excinfo.value.component_position) == (1, 2)
    assert excinfo.value.segment_id == "STC"


def test_truncated_277ca_without_iea() -> None:
    text = ca277(two_claims())
    cut = text[: text.index("IEA")]
    with pytest.raises(X12SyntaxError) as excinfo:
        parse_277ca(cut)
    assert syntax_error(excinfo) == (35, None)  # SE is 33, GE 34: the IEA would be 35


def test_277ca_with_another_component_separator_reads_the_same() -> None:
    body = two_claims()
    text = build_interchange(
        sender_qualifier="ZZ",
        sender_id="CLEARINGHOUSE",
        receiver_qualifier="ZZ",
        receiver_id="RCMBACKBONE",
        interchange_control=906,
        usage="T",
        ack_requested=False,
        functional_id="HN",
        app_sender="CLEARINGHOUSE",
        app_receiver="RCMBACKBONE",
        group_control=78,
        version=X214,
        transactions=[TransactionSpec("277", "0001", body)],
        separators=Separators(element="|", component=">", repetition="^", segment="~"),
        timestamp=WHEN,
        segment_suffix="",
    )
    assert parse_277ca(text) == parse_277ca(ca277(body))
