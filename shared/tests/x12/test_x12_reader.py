"""The streaming tokenizer: every public sample, every layout, any chunking."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rcm_shared.testing.x12_data import SAMPLES as SAMPLE_DIR
from rcm_shared.testing.x12_data import sample_files
from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.reader import Segment, iter_segments
from rcm_shared.x12.separators import Separators

SAMPLES = sample_files()

SMALL = (
    "ISA*00*          *00*          *ZZ*SUBMITTER1     *ZZ*PAYER1         "
    "*240305*1407*^*00501*000000042*0*T*:~"
    "GS*HP*SUBMITTER1*PAYER1*20240305*1407*7*X*005010X221A1~"
    "ST*835*0001~"
    "CLP*PCN1*1*300.00*210.00~"
    "SVC*HC:99213:25*200.00*140.00~"
    "EB*1**1^33^AL~"
    "SE*5*0001~"
    "GE*1*7~"
    "IEA*1*000000042~"
)


def shape(segments: Iterator[Segment] | list[Segment]) -> list[tuple[str, list[str], int]]:
    return [(s.id, s.elements, s.number) for s in segments]


def sample_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_every_sample_tokenizes(path: Path) -> None:
    data = path.read_bytes()
    segments = list(iter_segments(data))
    terminator = segments[0].separators.segment
    assert segments[0].id == "ISA" and segments[-1].id == "IEA"
    assert len(segments) == data.count(terminator.encode())
    assert [s.number for s in segments] == list(range(1, len(segments) + 1))
    assert all(s.elements[0] == s.id and 2 <= len(s.id) <= 3 for s in segments)
    assert len(segments[0].elements) == 17  # ISA + 16 elements


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_sample_in_7_byte_chunks_equals_whole(path: Path) -> None:
    data = path.read_bytes()
    whole = shape(iter_segments(data))
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    assert shape(iter_segments(chunks)) == whole
    assert shape(iter_segments(io.BytesIO(data), chunk_size=7)) == whole
    text = data.decode("latin-1")
    assert shape(iter_segments(text)) == whole
    assert shape(iter_segments(io.StringIO(text), chunk_size=7)) == whole
    assert shape(iter_segments([text[i : i + 7] for i in range(0, len(text), 7)])) == whole


def test_separators_come_from_each_isa() -> None:
    def seps(name: str) -> Separators:
        return next(iter_segments((SAMPLE_DIR / name).read_bytes())).separators

    assert seps("277ca/ims__x12_277CA_rejected.277").component == "|"
    assert seps("999/ims__x12_999_rejected.999").component == "|"
    assert seps("835/e835__united_healthcare_legacy_sample.835").component == ">"
    svc = [
        s
        for s in iter_segments(
            (SAMPLE_DIR / "835/e835__united_healthcare_legacy_sample.835").read_bytes()
        )
        if s.id == "SVC"
    ]
    assert svc and all(s.component(1, 1) == "HC" for s in svc)


def test_one_line_and_one_segment_per_line_agree() -> None:
    # The same 270 published twice: one line, and one segment per line.
    one_line = (SAMPLE_DIR / "270/lfh__demo-single-line.270").read_bytes()
    per_line = (SAMPLE_DIR / "270/lfh__subscriber-health-benefit-check.270").read_bytes()
    assert b"\n" not in one_line and per_line.count(b"\n") > 10
    assert shape(iter_segments(one_line)) == shape(iter_segments(per_line))


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(SMALL, id="one line"),
        pytest.param(SMALL.replace("~", "~\n"), id="LF"),
        pytest.param(SMALL.replace("~", "~\r\n"), id="CRLF"),
        pytest.param("\ufeff" + SMALL, id="BOM text"),
        pytest.param(" \r\n\t" + SMALL + "\r\n\r\n", id="whitespace around"),
        pytest.param(SMALL.replace("~", "~  \t"), id="spaces between segments"),
        pytest.param(SMALL + "\x1a", id="Ctrl-Z at end"),
        pytest.param(SMALL.replace("~", "~\n")[:300] + "\n" + SMALL[300:], id="wrapped"),
    ],
)
def test_layouts(variant: str) -> None:
    assert shape(iter_segments(variant)) == shape(iter_segments(SMALL))


def test_bom_bytes_and_crlf_bytes() -> None:
    data = b"\xef\xbb\xbf" + SMALL.replace("~", "~\r\n").encode()
    assert shape(iter_segments(data)) == shape(iter_segments(SMALL))


def test_newline_as_segment_terminator_with_crlf() -> None:
    text = SMALL[:105] + "\n" + SMALL[106:].replace("~", "\r\n")
    segments = list(iter_segments(text))
    assert segments[0].separators.segment == "\n"
    assert shape(segments) == shape(iter_segments(SMALL))


def test_non_ascii_bytes_survive_as_latin_1() -> None:
    data = SMALL.replace("PCN1", "JOS\u00c9").encode("utf-8")
    clp = next(s for s in iter_segments(data) if s.id == "CLP")
    assert clp.get(1).encode("latin-1").decode("utf-8") == "JOS\u00c9"


def test_two_interchanges_with_different_separators() -> None:
    second = SMALL.replace("*", "|").replace(":", ">").replace("~", "'\n")
    segments = list(iter_segments((SMALL + "\n" + second).encode()))
    assert len(segments) == 18
    assert segments[9].id == "ISA" and segments[9].number == 10
    assert segments[9].separators == Separators("|", ">", "^", "'")
    assert segments[13].components(1) == ["HC", "99213", "25"]
    restated = [[e.replace(">", ":") for e in s.elements] for s in segments[9:]]
    assert restated == [s.elements for s in segments[:9]]


def test_segment_accessors() -> None:
    segs = {s.id: s for s in iter_segments(SMALL)}
    clp, svc, eb = segs["CLP"], segs["SVC"], segs["EB"]
    assert clp.get(1) == "PCN1" and clp.get(9) == "" and clp.get(9, "-") == "-"
    assert clp.decimal(4) == Decimal("210.00")
    assert clp.decimal(7, required=False) is None
    assert clp.integer(2) == 1
    assert svc.components(1) == ["HC", "99213", "25"]
    assert svc.component(1, 2) == "99213" and svc.component(1, 4) == ""
    assert eb.repeats(3) == ["1", "33", "AL"] and eb.repeats(2) == []
    assert segs["GS"].date(4) == date(2024, 3, 5)
    assert segs["GS"].date(9, required=False) is None
    assert clp.text() == "CLP*PCN1*1*300.00*210.00"


@pytest.mark.parametrize("bad", ["21O.00", "1e3", "+5", "NaN", "1_000", " 5", "1.2.3", "-", "."])
def test_bad_decimal_names_segment_and_element(bad: str) -> None:
    clp = next(s for s in iter_segments(SMALL.replace("210.00", bad)) if s.id == "CLP")
    with pytest.raises(X12SyntaxError) as caught:
        clp.decimal(4)
    err = caught.value
    assert (err.segment_number, err.segment_id, err.element_position) == (4, "CLP", 4)
    assert str(err) == "segment 4 (CLP) element 4: not a decimal number"
    assert bad not in str(err)  # values may be PHI: positions only


@pytest.mark.parametrize("good", ["-1.5", ".5", "5.", "0", "123456789.12"])
def test_good_decimals(good: str) -> None:
    clp = next(s for s in iter_segments(SMALL.replace("210.00", good)) if s.id == "CLP")
    assert clp.decimal(4) == Decimal(good)


def test_missing_required_values_and_bad_dates() -> None:
    segs = {s.id: s for s in iter_segments(SMALL.replace("20240305", "20240231"))}
    with pytest.raises(X12SyntaxError, match=r"segment 4 \(CLP\) element 7: required number"):
        segs["CLP"].decimal(7)
    with pytest.raises(X12SyntaxError, match="element 2: not an integer"):
        segs["SVC"].integer(2)
    with pytest.raises(X12SyntaxError, match=r"segment 2 \(GS\) element 4: not a calendar date"):
        segs["GS"].date(4)
    with pytest.raises(X12SyntaxError, match="element 5: not a date"):
        segs["GS"].date(5)
    with pytest.raises(X12SyntaxError, match="element 9: required date"):
        segs["GS"].date(9)


def test_malformed_input_positions() -> None:
    def error(source: str | bytes) -> X12SyntaxError:
        with pytest.raises(X12SyntaxError) as caught:
            list(iter_segments(source))
        return caught.value

    assert error("").segment_number == 1
    assert error(b"").segment_number == 1
    assert error(" \n").segment_number == 1
    assert error("GS*HP~").segment_number == 1
    short_isa = SMALL.replace("000000042*0", "00000042*0")
    err = error(short_isa)
    assert (err.segment_number, err.segment_id, err.element_position) == (1, "ISA", 13)
    err = error(SMALL.rstrip("~"))  # truncated: the IEA never got its terminator
    assert err.segment_number == 9 and "terminator" in err.reason
    err = error(SMALL.replace("SVC*", "S VC*"))
    assert err.segment_number == 5 and "segment id" in err.reason
    err = error(SMALL + "junk~")  # after the IEA only another ISA may follow
    assert err.segment_number == 10


def test_streaming_reads_chunk_by_chunk() -> None:
    # The reader must stop pulling input as soon as it has a segment to hand out.
    pulled: list[int] = []

    def chunks() -> Iterator[str]:
        for i in range(0, len(SMALL), 20):
            pulled.append(i)
            yield SMALL[i : i + 20]

    segments = iter_segments(chunks())
    first = next(segments)
    assert first.id == "ISA" and len(pulled) < 10
    next(segments)
    assert len(pulled) < len(range(0, len(SMALL), 20))


def test_next_interchange_keeps_its_own_line_breaks() -> None:
    # The first interchange treats line breaks as formatting, the second uses "\n" as its
    # terminator: the second must be read from its raw text, chunk by chunk or whole.
    second = SMALL.replace("*", "|").replace("~", "\n")
    text = SMALL.replace("~", "~\r\n") + second
    for source in (text, [text[i : i + 7] for i in range(0, len(text), 7)]):
        segments = list(iter_segments(source))
        assert len(segments) == 18
        assert segments[9].separators.segment == "\n"
        assert [s.elements for s in segments[9:]] == [s.elements for s in segments[:9]]


def test_memory_does_not_grow_with_the_input() -> None:
    # ~3 MB of segments pulled from a generator: peak memory stays near one chunk.
    head, tail = SMALL.split("CLP*", 1)
    body_segment = "CLP*PCN0000001*1*300.00*210.00*30.00*12*PAYERCLAIM0001*11*1~\n"
    repeats = 3_000_000 // len(body_segment)

    def chunks() -> Iterator[bytes]:
        yield head.encode()
        block = (body_segment * 1000).encode()
        for _ in range(repeats // 1000):
            yield block
        yield ("CLP*" + tail).encode()

    tracemalloc.start()
    try:
        count = 0
        for _ in iter_segments(chunks(), chunk_size=1 << 16):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 9 + repeats // 1000 * 1000
    assert peak < 1_000_000, peak  # a third of the input (measured: ~0.4 MB)


def test_body_not_using_the_declared_terminator_is_stopped_early() -> None:
    isa, rest = SMALL.split("~", 1)
    text = isa + "~" + rest.replace("~", "'\n") * 2000  # > 64 KiB without a "~"
    with pytest.raises(X12SyntaxError, match="no segment terminator '~' within") as caught:
        list(iter_segments(text, chunk_size=4096))
    assert caught.value.segment_number == 2
