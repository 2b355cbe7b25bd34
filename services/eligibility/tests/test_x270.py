"""The 270 writer: every generated interchange must pass pyx12's 005010X279A1 map with no
error at all, and read back (with our own reader) to the request it came from: the trace
number in the patient's loop, the HL tree, the member id, the plan date and the EQs."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import pytest

from rcm_eligibility.domain.x270 import (
    MAX_SERVICE_TYPES,
    SERVICE_TYPES,
    VERSION,
    Envelope270,
    Person270,
    Request270,
    Request270Error,
    build_270,
)
from rcm_shared.testing.x12_oracle import validate
from rcm_shared.x12.errors import X12ValueError
from rcm_shared.x12.reader import Segment, read_interchange
from rcm_shared.x12.separators import Separators

NPI = "1245319599"
WHEN = datetime(2025, 6, 30, 9, 15)
DOS = date(2025, 7, 1)
SUBSCRIBER = Person270("Robert", "Smith", date(1943, 5, 19), "M")
CHILD = Person270("Mary", "Smith", date(2014, 10, 14), "F", middle_name="Ann")
ENVELOPE = Envelope270(
    sender_id="CLINIC01",
    receiver_id="CLEARHOUSE",
    interchange_control=907,
    group_control=1,
    timestamp=WHEN,
)


def request(**changes: Any) -> Request270:
    values: dict[str, Any] = {
        "trace_number": "elig-7f3a9c21-0001",
        "payer_id": "87726",
        "payer_name": "Acme Health Plan",
        "provider_npi": NPI,
        "provider_name": "Bone and Joint Clinic",
        "member_id": "W123456789",
        "subscriber": SUBSCRIBER,
        "service_date": DOS,
    }
    values.update(changes)
    return Request270(**values)


def oracle_ok(text: str) -> None:
    verdict = validate(text)
    assert verdict.ok, verdict.explain()


def body(text: str) -> list[Segment]:
    interchange = read_interchange(text)
    assert len(interchange.groups) == 1
    group = interchange.groups[0]
    assert group.functional_id == "HS"
    assert group.version == VERSION
    assert len(group.transactions) == 1
    transaction = group.transactions[0]
    assert transaction.transaction_set == "270"
    assert transaction.control_number == "0001"
    assert transaction.version == VERSION
    return transaction.body


def hl_loops(segments: list[Segment]) -> dict[str, list[Segment]]:
    """HL01 -> the segments from that HL up to the next one (the HL included)."""
    loops: dict[str, list[Segment]] = {}
    current: list[Segment] | None = None
    for seg in segments:
        if seg.id == "HL":
            current = loops[seg.get(1)] = []
        if current is not None:
            current.append(seg)
    return loops


def hl_tree(segments: list[Segment]) -> list[tuple[str, str, str, str]]:
    return [(seg.get(1), seg.get(2), seg.get(3), seg.get(4)) for seg in segments if seg.id == "HL"]


def only(segments: list[Segment], seg_id: str) -> Segment:
    found = [seg for seg in segments if seg.id == seg_id]
    assert len(found) == 1, (seg_id, [seg.text() for seg in segments])
    return found[0]


def ids(segments: list[Segment]) -> list[str]:
    return [seg.id for seg in segments]


# ------------------------------------------------------------------- oracle + structure


def test_subscriber_only_with_default_service_type() -> None:
    req = request()
    text = build_270(req, ENVELOPE)
    oracle_ok(text)

    segments = body(text)
    bht = segments[0]
    assert bht.elements[1:] == ["0022", "13", req.trace_number, "20250630", "0915"]
    assert hl_tree(segments) == [("1", "", "20", "1"), ("2", "1", "21", "1"), ("3", "2", "22", "0")]
    loops = hl_loops(segments)
    payer = only(loops["1"], "NM1")
    assert payer.elements[1:4] == ["PR", "2", "ACME HEALTH PLAN"]
    assert (payer.get(8), payer.get(9)) == ("PI", "87726")
    provider = only(loops["2"], "NM1")
    assert provider.elements[1:4] == ["1P", "2", "BONE AND JOINT CLINIC"]
    assert provider.get(4) == ""
    assert (provider.get(8), provider.get(9)) == ("XX", NPI)

    subscriber = loops["3"]
    assert ids(subscriber) == ["HL", "TRN", "NM1", "DMG", "DTP", "EQ"]
    trn = only(subscriber, "TRN")
    assert trn.get(1) == "1"
    assert trn.get(2) == req.trace_number
    assert len(trn.get(3)) == 10 and trn.get(3)[0] == "9"
    name = only(subscriber, "NM1")
    assert name.elements[1:5] == ["IL", "1", "SMITH", "ROBERT"]
    assert (name.get(8), name.get(9)) == ("MI", "W123456789")
    assert only(subscriber, "DMG").elements[1:] == ["D8", "19430519", "M"]
    dtp = only(subscriber, "DTP")
    assert dtp.elements[1:] == ["291", "D8", "20250701"]
    assert dtp.date(3) == DOS
    assert only(subscriber, "EQ").elements[1:] == ["30"]


def test_several_service_types_one_eq_each() -> None:
    codes = ("30", "1", "33", "98", "AL", "MH", "UC")
    text = build_270(request(service_types=codes), ENVELOPE)
    oracle_ok(text)
    subscriber = hl_loops(body(text))["3"]
    eqs = [seg for seg in subscriber if seg.id == "EQ"]
    assert [seg.elements[1:] for seg in eqs] == [[code] for code in codes]
    # The plan date sits once at the name level, before the EQ loops it applies to.
    assert ids(subscriber)[:5] == ["HL", "TRN", "NM1", "DMG", "DTP"]


def test_every_supported_service_type_passes_the_oracle() -> None:
    codes = tuple(SERVICE_TYPES)
    assert len(codes) <= MAX_SERVICE_TYPES
    text = build_270(request(service_types=codes), ENVELOPE)
    oracle_ok(text)
    eqs = [seg.get(1) for seg in body(text) if seg.id == "EQ"]
    assert eqs == list(codes)


def test_dependent_patient() -> None:
    req = request(dependent=CHILD, service_types=("30", "35"))
    text = build_270(req, ENVELOPE)
    oracle_ok(text)

    segments = body(text)
    assert hl_tree(segments) == [
        ("1", "", "20", "1"),
        ("2", "1", "21", "1"),
        ("3", "2", "22", "1"),  # HL04 = 1: the subscriber has a dependent child loop
        ("4", "3", "23", "0"),
    ]
    loops = hl_loops(segments)
    # The subscriber loop only identifies the member: no trace, demographics, date or EQ.
    subscriber = loops["3"]
    assert ids(subscriber) == ["HL", "NM1"]
    name = only(subscriber, "NM1")
    assert name.elements[1:5] == ["IL", "1", "SMITH", "ROBERT"]
    assert (name.get(8), name.get(9)) == ("MI", "W123456789")

    dependent = loops["4"]
    assert ids(dependent) == ["HL", "TRN", "NM1", "DMG", "DTP", "EQ", "EQ"]
    assert only(dependent, "TRN").get(2) == req.trace_number
    patient = only(dependent, "NM1")
    assert patient.elements[1:] == ["03", "1", "SMITH", "MARY", "ANN"]  # no id in 2100D
    assert only(dependent, "DMG").elements[1:] == ["D8", "20141014", "F"]
    assert only(dependent, "DTP").elements[1:] == ["291", "D8", "20250701"]
    assert [seg.get(1) for seg in dependent if seg.id == "EQ"] == ["30", "35"]


def test_person_provider() -> None:
    req = request(provider_name="Jones", provider_first_name="Marcus")
    text = build_270(req, ENVELOPE)
    oracle_ok(text)
    provider = only(hl_loops(body(text))["2"], "NM1")
    assert provider.elements[1:5] == ["1P", "1", "JONES", "MARCUS"]
    assert (provider.get(8), provider.get(9)) == ("XX", NPI)


def test_one_line_file() -> None:
    text = build_270(request(), dataclasses.replace(ENVELOPE, segment_suffix=""))
    assert "\n" not in text
    oracle_ok(text)
    assert only(body(text), "TRN").get(2) == "elig-7f3a9c21-0001"


@pytest.mark.parametrize(
    "separators",
    [
        Separators("|", ">", "!", "\n"),
        Separators("^", "\\", "{", "~"),
        Separators("+", ":", "*", "'"),
    ],
    ids=["pipe-newline", "caret-backslash", "edifact-like"],
)
def test_other_separators(separators: Separators) -> None:
    envelope = dataclasses.replace(
        ENVELOPE,
        separators=separators,
        segment_suffix="" if separators.segment == "\n" else "\r\n",
    )
    text = build_270(request(dependent=CHILD, service_types=("30", "AL")), envelope)
    oracle_ok(text)
    interchange = read_interchange(text)
    assert interchange.separators == separators
    loops = hl_loops(body(text))
    assert only(loops["4"], "TRN").get(2) == "elig-7f3a9c21-0001"
    assert [seg.get(1) for seg in loops["4"] if seg.id == "EQ"] == ["30", "AL"]


def test_envelope_fields() -> None:
    envelope = dataclasses.replace(ENVELOPE, usage="P", interchange_control=42, group_control=7)
    text = build_270(request(), envelope)
    oracle_ok(text)
    interchange = read_interchange(text)
    assert interchange.control_number == "000000042"
    assert interchange.isa.get(15) == "P"
    assert interchange.isa.get(6).strip() == "CLINIC01"
    assert interchange.isa.get(8).strip() == "CLEARHOUSE"
    assert interchange.groups[0].control_number == "7"


def test_unknown_gender_is_left_out_and_middle_name_kept() -> None:
    # The 270 takes DMG03 F or M only; "U" means we do not know, so nothing is sent.
    person = Person270("Pat", "Lee", date(1990, 1, 2), "U", middle_name="Q")
    text = build_270(request(subscriber=person), ENVELOPE)
    oracle_ok(text)
    subscriber = hl_loops(body(text))["3"]
    assert only(subscriber, "DMG").elements[1:] == ["D8", "19900102"]
    assert only(subscriber, "NM1").elements[1:6] == ["IL", "1", "LEE", "PAT", "Q"]


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "npi",
    ["124531959", "12453195990", "124531959X", "1245319598", "3245319599", ""],
    ids=["9-digits", "11-digits", "letter", "check-digit", "first-digit", "empty"],
)
def test_bad_npi_is_refused(npi: str) -> None:
    with pytest.raises(Request270Error, match="NPI"):
        request(provider_npi=npi)


@pytest.mark.parametrize(
    "changes",
    [
        {"payer_name": ""},
        {"provider_name": ""},
        {"provider_name": "   "},
        {"provider_first_name": ""},
        {"trace_number": ""},
        {"trace_number": "x" * 51},
        {"member_id": ""},
        {"payer_id": ""},
    ],
)
def test_empty_or_overlong_fields_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(Request270Error):
        request(**changes)


@pytest.mark.parametrize(
    "names",
    [("", "Smith"), ("Robert", ""), ("  ", "Smith"), ("Robert", "S" * 61)],
)
def test_bad_person_names_are_refused(names: tuple[str, str]) -> None:
    first, last = names
    with pytest.raises(Request270Error):
        Person270(first, last, date(1980, 1, 1))


@pytest.mark.parametrize(
    "codes",
    [("ZZ",), ("30", "31"), ("",), (), ("30", "30"), ("1",) * (MAX_SERVICE_TYPES + 1)],
    ids=["unknown", "unsupported", "empty-code", "none", "duplicate", "too-many"],
)
def test_bad_service_types_are_refused(codes: tuple[str, ...]) -> None:
    with pytest.raises(Request270Error):
        request(service_types=codes)


def test_request270error_is_a_valueerror() -> None:
    assert issubclass(Request270Error, ValueError)


def test_separator_inside_a_value_is_refused_by_the_writer() -> None:
    # The writer never alters data: a "*" in a name would shift every later element.
    with pytest.raises(X12ValueError):
        build_270(request(payer_name="ACME*HEALTH"), ENVELOPE)
