"""EnvelopeValidator and read_interchange: counts and control numbers, located exactly."""

from __future__ import annotations

import pickle

import pytest

from rcm_shared.testing.x12_data import SAMPLES
from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.reader import EnvelopeValidator, iter_segments, read_interchange

# Segment numbers: ISA 1, GS 2, ST 3, BHT 4, HL 5, SE 6, ST 7, BHT 8, SE 9, GE 10, IEA 11.
ISA = (
    "ISA*00*          *00*          *ZZ*SUBMITTER1     *ZZ*PAYER1         "
    "*240305*1407*^*00501*000000042*0*T*:~"
)
GOOD = (
    ISA
    + """
GS*HB*SUBMITTER1*PAYER1*20240305*1407*7*X*005010X279A1~
ST*271*0001*005010X279A1~
BHT*0022*11*REF1*20240305*1407~
HL*1**20*1~
SE*4*0001~
ST*271*0002*005010X279A1~
BHT*0022*11*REF2*20240305*1407~
SE*3*0002~
GE*2*7~
IEA*1*000000042~
"""
)


def validate(text: str | bytes) -> EnvelopeValidator:
    validator = EnvelopeValidator()
    for seg in iter_segments(text):
        validator.feed(seg)
    validator.finish()
    return validator


def error(text: str | bytes) -> X12SyntaxError:
    with pytest.raises(X12SyntaxError) as caught:
        validate(text)
    return caught.value


def test_good_envelope() -> None:
    validator = validate(GOOD)
    assert validator.interchange_count == 1
    assert validator.isa is validator.gs is validator.st is None


def test_state_is_exposed_while_streaming() -> None:
    validator = EnvelopeValidator()
    seen = []
    for seg in iter_segments(GOOD):
        validator.feed(seg)
        if seg.id == "HL":
            assert validator.isa is not None and validator.gs is not None
            assert validator.st is not None
            seen.append(
                (
                    validator.isa.get(13),
                    validator.gs.get(6),
                    validator.st.get(2),
                    validator.segment_count,
                    validator.transaction_count,
                    validator.group_count,
                )
            )
    validator.finish()
    assert seen == [("000000042", "7", "0001", 3, 1, 1)]


@pytest.mark.parametrize(
    ("broken", "number", "seg_id", "element"),
    [
        pytest.param(GOOD.replace("SE*4*0001", "SE*5*0001"), 6, "SE", 1, id="SE01 count"),
        pytest.param(GOOD.replace("SE*4*0001", "SE*four*0001"), 6, "SE", 1, id="SE01 not a number"),
        pytest.param(GOOD.replace("SE*4*0001", "SE*4*0003"), 6, "SE", 2, id="SE02 vs ST02"),
        pytest.param(GOOD.replace("GE*2*7", "GE*1*7"), 10, "GE", 1, id="GE01 count"),
        pytest.param(GOOD.replace("GE*2*7", "GE*2*8"), 10, "GE", 2, id="GE02 vs GS06"),
        pytest.param(GOOD.replace("IEA*1*", "IEA*2*"), 11, "IEA", 1, id="IEA01 count"),
        pytest.param(GOOD.replace("IEA*1*000000042", "IEA*1*000000043"), 11, "IEA", 2, id="IEA02"),
        pytest.param(
            GOOD.replace("ST*271*0001*005010X279A1", "ST*271**005010X279A1"),
            3,
            "ST",
            2,
            id="ST02 missing",
        ),
        pytest.param(GOOD.replace("*1407*7*X*", "*1407**X*"), 2, "GS", 6, id="GS06 missing"),
    ],
)
def test_count_and_control_errors(broken: str, number: int, seg_id: str, element: int) -> None:
    err = error(broken)
    assert (err.segment_number, err.segment_id, err.element_position) == (number, seg_id, element)


def test_messages_say_what_was_expected() -> None:
    assert str(error(GOOD.replace("SE*4*0001", "SE*5*0001"))) == (
        "segment 6 (SE) element 1: SE01 is 5 but the transaction has 4 segments "
        "(ST at segment 3 to SE)"
    )
    assert "'000000043' does not match ISA13 '000000042'" in str(
        error(GOOD.replace("IEA*1*000000042", "IEA*1*000000043"))
    )


@pytest.mark.parametrize(
    ("broken", "number", "seg_id", "words"),
    [
        pytest.param(GOOD.replace("IEA*1*000000042~\n", ""), 11, None, "no IEA", id="IEA missing"),
        pytest.param(GOOD.split("GE*", maxsplit=1)[0], 10, None, "no GE", id="GE missing"),
        pytest.param(GOOD.replace("SE*3*0002~\n", ""), 9, "GE", "SE missing", id="SE missing"),
        pytest.param(
            GOOD.replace("GS*HB", "XX*HB"),
            2,
            "XX",
            "outside a transaction",
            id="segment outside ST/SE",
        ),
        pytest.param(
            GOOD.replace("GS*HB*SUBMITTER1*PAYER1*20240305*1407*7*X*005010X279A1~\n", ""),
            2,
            "ST",
            "no GS",
            id="ST without GS",
        ),
        pytest.param(
            GOOD.replace("SE*4*0001~\n", ""), 6, "ST", "inside the transaction", id="ST inside ST"
        ),
        pytest.param(
            GOOD.replace("GE*2*7~\n", "GE*2*7~\nHL*9~\n"),
            11,
            "HL",
            "outside a transaction",
            id="segment between GE and IEA",
        ),
        pytest.param(
            GOOD.replace("GE*2*7~\n", "GE*2*7~\nGE*2*7~\n"), 11, "GE", "without GS", id="GE twice"
        ),
    ],
)
def test_structure_errors(broken: str, number: int, seg_id: str | None, words: str) -> None:
    err = error(broken)
    assert (err.segment_number, err.segment_id) == (number, seg_id)
    assert words in err.reason


def test_nothing_fed() -> None:
    validator = EnvelopeValidator()
    with pytest.raises(X12SyntaxError, match="no interchange") as caught:
        validator.finish()
    assert caught.value.segment_number == 1


def test_ta1_only_interchange() -> None:
    validate(f"{ISA}\nTA1*000000042*240305*1407*A*000~\nIEA*0*000000042~\n")


def test_sample_with_se_st_control_mismatch() -> None:
    err = error((SAMPLES / "271/lfh__subscriber-health-benefit-check-error.271").read_bytes())
    assert (err.segment_number, err.segment_id, err.element_position) == (10, "SE", 2)
    assert "'4323' does not match ST02 '4321'" in err.reason


def test_sample_with_iea_isa_mismatch() -> None:
    err = error((SAMPLES / "999/ims__x12_999_accepted.999").read_bytes())
    assert (err.segment_number, err.segment_id, err.element_position) == (10, "IEA", 2)
    assert "'000000001' does not match ISA13 '000000286'" in err.reason


def test_samples_without_envelope_defects_validate() -> None:
    broken = {
        "271/lfh__subscriber-health-benefit-check-error.271",  # SE02 != ST02
        "999/ims__x12_999_accepted.999",  # IEA02 != ISA13
        "277/ims__x12_277_x212.277",  # IEA02 != ISA13 (pyx12 reports it too)
    }
    checked = 0
    for path in sorted(SAMPLES.glob("*/*")):
        name = f"{path.parent.name}/{path.name}"
        if path.is_file() and name not in broken:
            validate(path.read_bytes())
            checked += 1
    assert checked >= 25


def test_read_interchange_two_groups() -> None:
    interchange = read_interchange((SAMPLES / "999/pyx12__834_lui_id_5010.999").read_bytes())
    assert interchange.control_number == "308082146"
    assert [g.control_number for g in interchange.groups] == ["344666205", "102"]
    transactions = [t for g in interchange.groups for t in g.transactions]
    assert [t.control_number for t in transactions] == ["0001", "0002", "0003", "0004"]
    assert {(t.transaction_set, t.version) for t in transactions} == {("999", "005010X231")}
    first = transactions[0]
    assert [s.id for s in first.segments] == ["ST", "AK1", "AK2", "IK5", "AK9", "SE"]
    assert [s.id for s in first.body] == ["AK1", "AK2", "IK5", "AK9"]
    assert interchange.groups[0].functional_id == "FA"


def test_read_interchange_version_falls_back_to_gs08() -> None:
    interchange = read_interchange((SAMPLES / "835/lfh__managed-care.835").read_text())
    (transaction,) = interchange.groups[0].transactions
    assert transaction.st.get(3) == ""
    assert transaction.version == "005010X221A1"
    assert len(transaction.segments) == transaction.segments[-1].integer(1)


def test_read_interchange_validates_and_refuses_two_interchanges() -> None:
    with pytest.raises(X12SyntaxError, match="SE02"):
        read_interchange(GOOD.replace("SE*4*0001", "SE*4*0009"))
    with pytest.raises(X12SyntaxError, match="more than one interchange") as caught:
        read_interchange(GOOD + GOOD)
    assert caught.value.segment_number == 12
    ta1 = read_interchange(f"{ISA}\nTA1*000000042*240305*1407*A*000~\nIEA*0*000000042~\n")
    assert [s.id for s in ta1.ta1] == ["TA1"] and ta1.groups == []


def test_error_fields_and_pickling() -> None:
    err = error(GOOD.replace("GE*2*7", "GE*1*7"))
    assert err.to_dict() == {
        "segment_number": 10,
        "segment_id": "GE",
        "element_position": 1,
        "component_position": None,
        "reason": "GE01 is 1 but the group has 2 transactions",
    }
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))  # noqa: S301 our own object
    assert again.to_dict() == err.to_dict() and str(again) == str(err)
    located = X12SyntaxError(
        12, "not a code", segment_id="SVC", element_position=1, component_position=2
    )
    assert str(located) == "segment 12 (SVC) element 1 component 2: not a code"
    assert str(X12SyntaxError(1, "empty")) == "segment 1: empty"
