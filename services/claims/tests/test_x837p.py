"""The 837P writer: every generated interchange must pass pyx12's 005010X222A1 map with no
error at all, and read back (with our own reader) to the structure the claims describe:
CLM01s, SE01 counts, the HL tree and the ST02 -> claims map the caller keeps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from rcm_claims.domain.claim import ClaimData
from rcm_claims.domain.x837p import (
    BillingProvider837,
    Built837,
    Claim837,
    Claim837Error,
    Envelope837,
    Payer837,
    Provider837,
    build_837p,
)
from rcm_shared.events.reference import Address
from rcm_shared.testing.x12_oracle import validate
from rcm_shared.x12.errors import X12ValueError
from rcm_shared.x12.reader import Segment, iter_segments, read_interchange
from rcm_shared.x12.separators import Separators

NPIS = ["1245319599", "1234567893", "1003000126", "1003000134", "1003000142"]
WHEN = datetime(2025, 6, 30, 9, 15)
DOS = "2025-06-02"
CLINIC_ADDRESS = Address(
    line1="100 Main St", city="Springfield", state="IL", postal_code="627011234"
)
CLINIC = BillingProvider837(
    name="Springfield Family Medicine",
    npi=NPIS[0],
    tax_id="123456789",
    taxonomy_code="207Q00000X",
    address=CLINIC_ADDRESS,
)
OTHER_CLINIC = BillingProvider837(
    name="Lakeside Cardiology",
    npi=NPIS[4],
    tax_id="987654321",
    taxonomy_code="207RC0000X",
    address=Address(
        line1="9 Lake Shore Dr",
        line2="Suite 300",
        city="Chicago",
        state="IL",
        postal_code="606110001",
    ),
)
PAYER = Payer837(payer_id="87726", name="Acme Health Plan", claim_filing_indicator="CI")
MEDICARE = Payer837(payer_id="00952", name="Medicare Part B", claim_filing_indicator="MB")
RENDERING = Provider837(
    npi=NPIS[1], first_name="Ann", last_name="Smith", taxonomy_code="207Q00000X"
)
REFERRING = Provider837(npi=NPIS[2], first_name="Bob", last_name="Jones")
ENVELOPE = Envelope837(
    sender_id="SUBMITTER01",
    receiver_id="CLEARHOUSE",
    submitter_name="Acme Billing Services",
    submitter_contact_name="Jo Contact",
    submitter_contact_phone="5555551234",
    receiver_name="Example Clearinghouse",
    interchange_control=1201,
    group_control=77,
    timestamp=WHEN,
)


def subscriber(member_id: str = "M100", **extra: Any) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "first_name": "Jane",
        "last_name": "Doe",
        "birth_date": "1980-04-02",
        "gender": "F",
        "address": {
            "line1": "5 Oak Ave",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62704",
        },
        "group_number": "GRP100",
        **extra,
    }


CHILD = {
    "first_name": "Timmy",
    "last_name": "Doe",
    "middle_name": "Lee",
    "birth_date": "2015-09-12",
    "gender": "M",
    "address": {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL", "postal_code": "62704"},
    "relationship": "19",
}


def line(code: str = "99213", charge: str = "150.00", **extra: Any) -> dict[str, Any]:
    return {
        "procedure_code": code,
        "charge": charge,
        "service_date_from": DOS,
        "diagnosis_pointers": [1],
        **extra,
    }


def claim_data(lines: list[dict[str, Any]] | None = None, **extra: Any) -> ClaimData:
    lines = lines or [line("99214", "150.00", modifiers=["25"], diagnosis_pointers=[1, 2]),
                      line("93000", "45.50", diagnosis_pointers=[2])]  # fmt: skip
    total = sum(Decimal(item["charge"]) for item in lines)
    body: dict[str, Any] = {
        "clinic_id": "clinic-1",
        "payer_id": "payer-1",
        "subscriber": subscriber(),
        "place_of_service": "11",
        "diagnosis_codes": ["E11.9", "I10"],
        "lines": lines,
        "total_charge": str(total),
        **extra,
    }
    return ClaimData.model_validate(body)


def claim(pcn: str, data: ClaimData | None = None, **extra: Any) -> Claim837:
    fields: dict[str, Any] = {"billing": CLINIC, "payer": PAYER, **extra}
    return Claim837(data=data or claim_data(), patient_control_number=pcn, **fields)


# ------------------------------------------------------------------------ read back


@dataclass
class Transaction:
    st02: str
    segments: list[Segment] = field(default_factory=list)  # ST..SE

    def ids(self) -> list[str]:
        return [s.id for s in self.segments]

    def find(self, seg_id: str, first: str | None = None) -> list[Segment]:
        return [s for s in self.segments if s.id == seg_id and (first is None or s.get(1) == first)]

    def claim(self, pcn: str) -> list[Segment]:
        """The 2300 loop (and its lines) of claim `pcn`: CLM up to the next HL/CLM/SE."""
        start = next(i for i, s in enumerate(self.segments) if s.id == "CLM" and s.get(1) == pcn)
        end = next(
            i
            for i in range(start + 1, len(self.segments))
            if self.segments[i].id in ("CLM", "HL", "SE")
        )
        return self.segments[start:end]


def transactions(x12: str) -> list[Transaction]:
    out: list[Transaction] = []
    current: Transaction | None = None
    for seg in iter_segments(x12):
        if seg.id == "ST":
            current = Transaction(seg.get(2))
            out.append(current)
        if current is not None:
            current.segments.append(seg)
        if seg.id == "SE":
            current = None
    return out


def check_structure(built: Built837) -> list[Transaction]:
    """Envelope counts, the HL tree and CLM01s agree with what build_837p says it wrote."""
    read_interchange(built.x12)  # envelope: SE01, SE02 = ST02, GE01, IEA01, IEA02
    txs = transactions(built.x12)
    assert [t.st02 for t in txs] == [st02 for st02, _ in built.transactions]
    assert [t.st02 for t in txs] == [f"{n:04d}" for n in range(1, len(txs) + 1)]
    for tx, (_, pcns) in zip(txs, built.transactions, strict=True):
        se = tx.segments[-1]
        assert se.id == "SE"
        assert int(se.get(1)) == len(tx.segments)
        assert se.get(2) == tx.st02
        assert [s.get(1) for s in tx.find("CLM")] == pcns
        levels: dict[str, str] = {}  # HL01 -> HL03
        child_code: dict[str, str] = {}
        parents: set[str] = set()
        for seg in tx.find("HL"):
            hl_id, parent, level = seg.get(1), seg.get(2), seg.get(3)
            assert hl_id == str(len(levels) + 1)  # 1, 2, 3 ... within the transaction
            expected_parent_level = {"20": None, "22": "20", "23": "22"}[level]
            if expected_parent_level is None:
                assert parent == ""
            else:
                assert levels[parent] == expected_parent_level
                parents.add(parent)
            levels[hl_id] = level
            child_code[hl_id] = seg.get(4)
        assert list(levels.values()).count("20") == 1
        for hl_id, code in child_code.items():
            assert code == ("1" if hl_id in parents else "0"), f"HL {hl_id}"
    return txs


def oracle(x12: str) -> None:
    verdict = validate(x12)
    assert verdict.ok, f"pyx12: {verdict.explain()}\n{x12}"


def build_checked(claims: list[Claim837], envelope: Envelope837 = ENVELOPE) -> list[Transaction]:
    built = build_837p(claims, envelope)
    oracle(built.x12)
    return check_structure(built)


def elements(seg: Segment) -> list[str]:
    return seg.elements[1:]


# ------------------------------------------------------------------------------ cases


def test_simple_claim_subscriber_is_patient() -> None:
    [tx] = build_checked([claim("PCN-0001")])
    assert tx.ids()[:13] == [
        "ST", "BHT", "NM1", "PER", "NM1", "HL", "PRV", "NM1", "N3", "N4", "REF", "HL", "SBR",
    ]  # fmt: skip
    assert elements(tx.segments[1]) == ["0019", "00", "0000012010001", "20250630", "0915", "CH"]
    assert elements(tx.find("NM1", "41")[0])[-2:] == ["46", "SUBMITTER01"]
    assert elements(tx.find("NM1", "85")[0]) == [
        "85", "2", "SPRINGFIELD FAMILY MEDICINE", "", "", "", "", "XX", NPIS[0],
    ]  # fmt: skip
    assert elements(tx.find("N4")[0]) == ["SPRINGFIELD", "IL", "627011234"]
    assert elements(tx.find("REF", "EI")[0]) == ["EI", "123456789"]
    assert elements(tx.find("PRV")[0]) == ["BI", "PXC", "207Q00000X"]
    assert elements(tx.find("SBR")[0]) == ["P", "18", "GRP100", "", "", "", "", "", "CI"]
    assert elements(tx.find("NM1", "IL")[0]) == [
        "IL", "1", "DOE", "JANE", "", "", "", "MI", "M100",
    ]  # fmt: skip
    assert elements(tx.find("DMG")[0]) == ["D8", "19800402", "F"]
    assert elements(tx.find("NM1", "PR")[0])[-2:] == ["PI", "87726"]
    assert not tx.find("PAT")
    assert [s.get(4) for s in tx.find("HL")] == ["1", "0"]
    clm = tx.claim("PCN-0001")
    assert elements(clm[0]) == ["PCN-0001", "195.5", "", "", "11:B:1", "Y", "A", "Y", "Y"]
    assert elements(clm[1]) == ["ABK:E119", "ABF:I10"]
    assert [elements(s) for s in clm if s.id == "SV1"] == [
        ["HC:99214:25", "150", "UN", "1", "", "", "1:2"],
        ["HC:93000", "45.5", "UN", "1", "", "", "2"],
    ]
    assert [elements(s) for s in clm if s.id == "DTP"] == [["472", "D8", "20250602"]] * 2
    assert [s.get(1) for s in clm if s.id == "LX"] == ["1", "2"]


def test_dependent_patient_gets_a_2000c_loop() -> None:
    [tx] = build_checked([claim("DEP-1", claim_data(patient=CHILD))])
    hls = [elements(s) for s in tx.find("HL")]
    assert hls == [["1", "", "20", "1"], ["2", "1", "22", "1"], ["3", "2", "23", "0"]]
    assert tx.find("SBR")[0].get(2) == ""  # "18" only when the subscriber is the patient
    # 2010BA of a dependent: name and member id, no address or DMG (they describe the
    # patient, who is in 2010CA).
    sbr = tx.ids().index("SBR")
    assert tx.ids()[sbr : sbr + 4] == ["SBR", "NM1", "NM1", "HL"]
    assert [s.get(1) for s in tx.segments[sbr + 1 : sbr + 3]] == ["IL", "PR"]
    assert len(tx.find("DMG")) == 1
    at = tx.ids().index("PAT")
    assert tx.ids()[at - 1] == "HL"
    assert tx.ids()[at : at + 6] == ["PAT", "NM1", "N3", "N4", "DMG", "CLM"]
    assert tx.segments[at].get(1) == "19"
    assert elements(tx.segments[at + 1]) == ["QC", "1", "DOE", "TIMMY", "LEE"]
    assert elements(tx.segments[at + 4]) == ["D8", "20150912", "M"]


def test_dependents_and_the_subscribers_own_claims_of_one_family() -> None:
    wife = {**CHILD, "first_name": "Mary", "middle_name": None, "relationship": "01"}
    wife["birth_date"] = "1982-01-01"
    claims = [
        claim("SELF-1"),
        claim("KID-1", claim_data(patient=CHILD)),
        claim("SPOUSE-1", claim_data(patient=wife)),
        claim("KID-2", claim_data(patient=CHILD)),
        claim("SELF-2"),
    ]
    [tx] = build_checked(claims)
    hls = [elements(s) for s in tx.find("HL")]
    # The subscriber's own claims share one 2000B; the dependents hang under another
    # (SBR02 differs), one 2000C per dependent with both of the child's claims.
    assert hls == [
        ["1", "", "20", "1"],
        ["2", "1", "22", "0"],
        ["3", "1", "22", "1"],
        ["4", "3", "23", "0"],
        ["5", "3", "23", "0"],
    ]
    assert [s.get(1) for s in tx.find("CLM")] == ["SELF-1", "SELF-2", "KID-1", "KID-2", "SPOUSE-1"]
    assert [s.get(1) for s in tx.find("PAT")] == ["19", "01"]
    assert [s.get(2) for s in tx.find("SBR")] == ["18", ""]


def test_thirty_lines() -> None:
    lines = [line("97110", f"{40 + n}.25", units="2") for n in range(30)]
    [tx] = build_checked([claim("MANY", claim_data(lines=lines))])
    clm = tx.claim("MANY")
    assert elements(clm[0])[1] == f"{sum(40 + n for n in range(30)) + 7.5:g}"
    assert [s.get(1) for s in clm if s.id == "LX"] == [str(n) for n in range(1, 31)]
    assert [s.get(2) for s in clm if s.id == "SV1"][:2] == ["40.25", "41.25"]
    assert {s.get(4) for s in clm if s.id == "SV1"} == {"2"}


def test_modifiers_units_and_line_place_of_service() -> None:
    lines = [
        line("99213", "100.00", modifiers=["25", "59", "gt", "95"]),
        line("J1100", "12.10", units="1.500", modifiers=["JW"]),
        line("00400", "600", unit_type="MJ", units="45", place_of_service="22"),
        line("93000", "0.50", place_of_service="11"),
    ]
    [tx] = build_checked([claim("MODS", claim_data(lines=lines))])
    sv1 = [elements(s) for s in tx.find("SV1")]
    assert sv1 == [
        ["HC:99213:25:59:GT:95", "100", "UN", "1", "", "", "1"],
        ["HC:J1100:JW", "12.1", "UN", "1.5", "", "", "1"],
        ["HC:00400", "600", "MJ", "45", "22", "", "1"],  # SV105 only where it differs
        ["HC:93000", "0.5", "UN", "1", "", "", "1"],
    ]
    assert tx.find("CLM")[0].get(2) == "712.6"


def test_prior_authorization_referral_and_referring_provider() -> None:
    data = claim_data(prior_authorization_number="AUTH-778899", referral_number="REF12345")
    [tx] = build_checked([claim("AUTH", data, referring=REFERRING, rendering=RENDERING)])
    loop = tx.claim("AUTH")
    assert [(s.id, s.get(1)) for s in loop[:8]] == [
        ("CLM", "AUTH"),
        ("REF", "9F"),  # the guide's order: referral, prior authorization, ...
        ("REF", "G1"),
        ("HI", "ABK:E119"),
        ("NM1", "DN"),  # 2310A before 2310B
        ("NM1", "82"),
        ("PRV", "PE"),
        ("LX", "1"),
    ]
    assert loop[1].get(2) == "REF12345"
    assert loop[2].get(2) == "AUTH-778899"
    assert elements(loop[4]) == ["DN", "1", "JONES", "BOB", "", "", "", "XX", NPIS[2]]


def test_rendering_provider_with_and_without_taxonomy() -> None:
    bare = Provider837(npi=NPIS[3], first_name="Cy", last_name="Ng")
    [tx] = build_checked(
        [claim("R1", rendering=RENDERING), claim("R2", rendering=bare), claim("R3")]
    )
    r1 = tx.claim("R1")
    assert [s.id for s in r1[2:4]] == ["NM1", "PRV"]
    assert elements(r1[2]) == ["82", "1", "SMITH", "ANN", "", "", "", "XX", NPIS[1]]
    assert elements(r1[3]) == ["PE", "PXC", "207Q00000X"]
    r2 = tx.claim("R2")
    assert [s.id for s in r2[2:4]] == ["NM1", "LX"]
    assert not any(s.id == "NM1" for s in tx.claim("R3"))


def test_service_facility_with_and_without_npi() -> None:
    hospital = {
        "name": "St. Mary Hospital",
        "npi": NPIS[3],
        "address": {
            "line1": "1 Hospital Way",
            "line2": "Building B",
            "city": "Peoria",
            "state": "IL",
            "postal_code": "616021234",
        },
    }
    no_npi = {**hospital, "npi": None, "name": "Community Clinic"}
    [tx] = build_checked(
        [
            claim("FAC1", claim_data(service_facility=hospital, place_of_service="22")),
            claim("FAC2", claim_data(service_facility=no_npi), rendering=RENDERING),
        ]
    )
    f1 = tx.claim("FAC1")
    assert [elements(s) for s in f1[2:5]] == [
        ["77", "2", "ST. MARY HOSPITAL", "", "", "", "", "XX", NPIS[3]],
        ["1 HOSPITAL WAY", "BUILDING B"],
        ["PEORIA", "IL", "616021234"],
    ]
    assert f1[0].get(5) == "22:B:1"
    f2 = tx.claim("FAC2")
    assert [s.id for s in f2[2:7]] == ["NM1", "PRV", "NM1", "N3", "N4"]  # 2310B, then 2310C
    assert elements(f2[4]) == ["77", "2", "COMMUNITY CLINIC"]


@pytest.mark.parametrize("frequency", ["7", "8"])
def test_replacement_and_void_carry_the_payer_claim_number(frequency: str) -> None:
    data = claim_data(
        frequency_code=frequency,
        payer_claim_control_number="PAYER-ICN-000123",
        prior_authorization_number="AUTH1",
    )
    [tx] = build_checked([claim("CORR", data)])
    loop = tx.claim("CORR")
    assert loop[0].get(5) == f"11:B:{frequency}"
    assert [elements(s) for s in loop if s.id == "REF"] == [
        ["G1", "AUTH1"],
        ["F8", "PAYER-ICN-000123"],
    ]


def test_original_claim_sends_no_f8_even_when_a_number_is_on_file() -> None:
    [tx] = build_checked([claim("ORIG", claim_data(payer_claim_control_number="OLD-1"))])
    assert not tx.find("REF", "F8")


def test_line_date_range() -> None:
    lines = [
        line("97110", "80.00", service_date_to="2025-06-06"),
        line("97110", "20.00", service_date_to=DOS),
    ]
    [tx] = build_checked([claim("RANGE", claim_data(lines=lines))])
    assert [elements(s) for s in tx.find("DTP")] == [
        ["472", "RD8", "20250602-20250606"],
        ["472", "D8", "20250602"],
    ]


def test_twelve_diagnoses() -> None:
    codes = ["E11.9", "I10", "M54.50", "J45.909", "E78.5", "R07.9",
             "Z00.00", "K21.9", "F32.9", "G47.00", "N39.0", "R51.9"]  # fmt: skip
    lines = [line("99214", "200", diagnosis_pointers=[1, 2, 3, 4]),
             line("99406", "30", diagnosis_pointers=[12])]  # fmt: skip
    [tx] = build_checked([claim("DX12", claim_data(lines=lines, diagnosis_codes=codes))])
    hi = elements(tx.find("HI")[0])
    assert len(hi) == 12
    assert hi[0] == "ABK:E119"
    assert hi[1:4] == ["ABF:I10", "ABF:M5450", "ABF:J45909"]
    assert [s.get(7) for s in tx.find("SV1")] == ["1:2:3:4", "12"]


def test_two_billing_providers_make_two_transactions() -> None:
    claims = [
        claim("A1"),
        claim("B1", billing=OTHER_CLINIC, payer=MEDICARE),
        claim("A2", claim_data(subscriber=subscriber("M200", first_name="Ed"))),
        claim("B2", billing=OTHER_CLINIC, payer=MEDICARE, rendering=RENDERING),
    ]
    built = build_837p(claims, ENVELOPE)
    oracle(built.x12)
    first, second = check_structure(built)
    assert built.transactions == [("0001", ["A1", "A2"]), ("0002", ["B1", "B2"])]
    assert first.find("NM1", "85")[0].get(9) == NPIS[0]
    assert second.find("NM1", "85")[0].get(9) == NPIS[4]
    assert elements(second.find("N3")[0]) == ["9 LAKE SHORE DR", "SUITE 300"]
    assert second.find("SBR")[0].get(9) == "MB"
    assert second.segments[1].get(3) == "0000012010002"  # BHT03 unique per transaction
    ge = next(s for s in iter_segments(built.x12) if s.id == "GE")
    assert elements(ge) == ["2", "77"]


def test_several_subscribers_under_one_provider_keep_input_order() -> None:
    sam = subscriber("M300", first_name="Sam", last_name="Roe", group_number=None)
    claims = [
        claim("S1"),
        claim("S2", claim_data(subscriber=sam)),
        claim("S3"),  # Jane again: joins her 2000B
        claim("S4", claim_data(subscriber=subscriber("M400", last_name="Poe"))),
        claim("S5", payer=MEDICARE),  # Jane with another payer: another 2000B
    ]
    [tx] = build_checked(claims)
    assert [s.get(9) for s in tx.find("NM1", "IL")] == ["M100", "M300", "M400", "M100"]
    assert [s.get(1) for s in tx.find("CLM")] == ["S1", "S3", "S2", "S4", "S5"]
    assert elements(tx.find("SBR")[1]) == ["P", "18", "", "", "", "", "", "", "CI"]
    assert [s.get(9) for s in tx.find("SBR")] == ["CI", "CI", "CI", "MB"]
    assert [elements(s) for s in tx.find("HL")][1:] == [
        ["2", "1", "22", "0"],
        ["3", "1", "22", "0"],
        ["4", "1", "22", "0"],
        ["5", "1", "22", "0"],
    ]


def test_more_than_100_claims_of_one_subscriber_split_the_2000b() -> None:
    claims = [claim(f"BULK-{n:03d}") for n in range(101)]
    [tx] = build_checked(claims)
    # The guide allows 100 2300 loops per HL: the 101st claim opens a second 2000B.
    assert [elements(s) for s in tx.find("HL")][1:] == [
        ["2", "1", "22", "0"],
        ["3", "1", "22", "0"],
    ]
    assert len(tx.find("SBR")) == 2
    third_hl = tx.segments.index(tx.find("HL", "3")[0])
    assert [s.get(1) for s in tx.segments[third_hl:] if s.id == "CLM"] == ["BULK-100"]


def test_varied_batch_in_one_interchange() -> None:
    hospital = {
        "name": "Peoria Surgical Center",
        "npi": NPIS[3],
        "address": {
            "line1": "2 Elm St",
            "city": "Peoria",
            "state": "IL",
            "postal_code": "616020002",
        },
    }
    claims = [
        claim("V1"),
        claim("V2", claim_data(patient=CHILD), rendering=RENDERING, referring=REFERRING),
        claim(
            "V3",
            claim_data(
                lines=[line("97110", "25", modifiers=["GP", "59", "KX", "76"]) for _ in range(30)],
                service_facility=hospital,
                prior_authorization_number="PA1",
                referral_number="RF1",
            ),
            billing=OTHER_CLINIC,
            payer=MEDICARE,
        ),
        claim("V4", claim_data(frequency_code="8", payer_claim_control_number="ICN9")),
        claim("V5", claim_data(lines=[line(service_date_to="2025-06-09")])),
    ]
    built = build_837p(claims, ENVELOPE)
    oracle(built.x12)
    check_structure(built)
    assert built.transactions == [("0001", ["V1", "V4", "V5", "V2"]), ("0002", ["V3"])]


def test_other_separators_one_line_test_file() -> None:
    envelope = dataclasses.replace(
        ENVELOPE,
        separators=Separators(element="|", component=">", repetition="!", segment="~"),
        segment_suffix="",
        usage="T",
    )
    built = build_837p([claim("SEP1", claim_data(patient=CHILD))], envelope)
    assert "\n" not in built.x12
    assert "CLM|SEP1|195.5|||11>B>1|Y|A|Y|Y~" in built.x12
    assert built.x12[102] == "T"  # ISA15
    oracle(built.x12)
    check_structure(built)


def test_names_and_addresses_are_upper_case() -> None:
    [tx] = build_checked([claim("UP", claim_data(subscriber=subscriber(last_name="de la Cruz")))])
    assert tx.find("NM1", "IL")[0].get(3) == "DE LA CRUZ"
    assert tx.find("NM1", "PR")[0].get(3) == "ACME HEALTH PLAN"
    assert tx.find("N3")[1].get(1) == "5 OAK AVE"


def test_the_oracle_catches_a_broken_file() -> None:
    """Negative control: without it, a silent oracle would make every test above pass.
    Both breakages keep every count right, so only the guide's rules can catch them.
    (pyx12 does not check HL04 child codes: check_structure does.)"""
    built = build_837p([claim("BROKEN", referring=REFERRING)], ENVELOPE)
    bad_code = built.x12.replace("******CI~", "******XX~")
    assert bad_code != built.x12
    assert not validate(bad_code).ok
    hi = next(part + "~\n" for part in built.x12.split("~\n") if part.startswith("HI*"))
    referring = next(part + "~\n" for part in built.x12.split("~\n") if part.startswith("NM1*DN"))
    swapped = built.x12.replace(hi + referring, referring + hi)  # 2310A before the HI
    assert swapped != built.x12
    assert not validate(swapped).ok


# ------------------------------------------------------------------------ refusals


def test_refuses_an_empty_batch() -> None:
    with pytest.raises(ValueError, match="at least one claim"):
        build_837p([], ENVELOPE)


def test_refuses_a_total_that_is_not_the_sum_of_the_lines() -> None:
    data = claim_data(total_charge="195.00")  # the lines add up to 195.50
    with pytest.raises(Claim837Error, match="differs from the lines' sum") as caught:
        build_837p([claim("OK"), claim("BAD", data)], ENVELOPE)
    assert caught.value.patient_control_number == "BAD"


def test_refuses_a_replacement_without_the_payer_claim_number() -> None:
    with pytest.raises(Claim837Error, match="REF\\*F8"):
        build_837p([claim("R7", claim_data(frequency_code="7"))], ENVELOPE)


def test_refuses_a_five_digit_zip_where_the_guide_wants_nine() -> None:
    five_digits = CLINIC_ADDRESS.model_copy(update={"postal_code": "62701"})
    with pytest.raises(Claim837Error, match="billing provider postal code"):
        dataclasses.replace(CLINIC, address=five_digits)
    facility = {"name": "Annex", "address": {**CLINIC_ADDRESS.model_dump(), "postal_code": "62701"}}
    with pytest.raises(Claim837Error, match="service facility postal code") as caught:
        build_837p([claim("Z2", claim_data(service_facility=facility))], ENVELOPE)
    assert caught.value.patient_control_number == "Z2"


def test_refuses_a_pointer_past_the_last_diagnosis() -> None:
    data = claim_data(lines=[line(diagnosis_pointers=[1, 3])])
    with pytest.raises(Claim837Error, match="line 1: a diagnosis pointer"):
        build_837p([claim("PTR", data)], ENVELOPE)


def test_refuses_reversed_line_dates() -> None:
    data = claim_data(lines=[line(service_date_from="2025-06-05", service_date_to="2025-06-02")])
    with pytest.raises(Claim837Error, match="ends before it starts"):
        build_837p([claim("REV", data)], ENVELOPE)


def test_refuses_two_versions_of_one_billing_provider_in_a_batch() -> None:
    moved = dataclasses.replace(CLINIC, name="Springfield Medicine Group")
    with pytest.raises(Claim837Error, match="differs from the one on claim A"):
        build_837p([claim("A"), claim("B", billing=moved)], ENVELOPE)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Provider837(npi="1234567890", first_name="A", last_name="B"), "check digit"),
        (lambda: dataclasses.replace(CLINIC, tax_id="12-345678"), "tax id"),
        (lambda: dataclasses.replace(CLINIC, taxonomy_code="207Q"), "taxonomy"),
        (lambda: Payer837("87726", "Acme", "XX"), "claim filing indicator"),
        (lambda: Payer837("87726", "A" * 61, "CI"), "payer name"),
        (lambda: claim("P" * 21), "patient control number"),
        (lambda: dataclasses.replace(ENVELOPE, submitter_name=""), "submitter name"),
    ],
)
def test_reference_data_the_guide_would_refuse(make: Any, message: str) -> None:
    with pytest.raises(Claim837Error, match=message):
        make()


def test_separator_in_a_value_is_refused_by_the_writer() -> None:
    # Payer and provider names come from reference data, not from the claim model that
    # forbids separators: the writer is the last guard.
    payer = Payer837("87726", "Acme*Health", "CI")
    with pytest.raises(X12ValueError, match="element separator") as caught:
        build_837p([claim("SEP", payer=payer)], ENVELOPE)
    assert caught.value.segment_id == "NM1"


def test_pay_to_address_loop() -> None:
    lockbox = Address(line1="PO Box 4400", city="Springfield", state="IL", postal_code="62708")
    billing = dataclasses.replace(CLINIC, pay_to=lockbox)
    built = build_837p([claim("PAY1", billing=billing)], ENVELOPE)
    oracle(built.x12)
    segments = list(iter_segments(built.x12))
    ref_ei = next(i for i, s in enumerate(segments) if s.id == "REF" and s.get(1) == "EI")
    assert [elements(s) for s in segments[ref_ei + 1 : ref_ei + 4]] == [
        ["87", "2"],
        ["PO BOX 4400"],
        ["SPRINGFIELD", "IL", "62708"],
    ]
    without = build_837p([claim("PAY2")], ENVELOPE)
    assert "NM1*87" not in without.x12
