"""Streaming X12 5010 reader: segments, envelope checks, and a small-file convenience.

`iter_segments` turns any source (text, bytes, a file, an iterable of chunks) into
`Segment`s without ever holding the whole input: it reads chunks, splits them on the
segment terminator declared by the ISA and carries the unterminated remainder over.
An 835 of 100 MB therefore costs one chunk plus one segment of memory.

Bytes are decoded as latin-1. The HIPAA guides restrict content to the X12 basic and
extended character sets, which are ASCII, so a conforming file decodes identically under
latin-1 and UTF-8. Latin-1 is chosen for the files that do not conform: it maps every
byte to one character, so decoding never fails half-way through a large file, a chunk
boundary can never split a character (no incremental decoder needed), and a stray
non-ASCII byte survives unchanged (`value.encode("latin-1")` gives the original bytes back
if a caller wants to try UTF-8 on a name).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol, overload, runtime_checkable

from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.separators import (
    ISA_LENGTH,
    PADDING,
    Separators,
    parse_isa,
    skip_padding,
)

ENCODING = "latin-1"
CHUNK_SIZE = 1 << 20  # 1 MiB: large enough that per-chunk work vanishes, small enough to stream
# No HIPAA segment comes near this; text that long without a terminator means the body
# does not use the terminator its ISA declares, and buffering on would hold the whole file.
MAX_SEGMENT_LENGTH = 1 << 16

# X12 numeric forms. ASCII digits only (\d would accept other scripts' digits); no sign
# other than a leading minus, no exponent, no "NaN"/"1_000" that Decimal() would take.
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INTEGER = re.compile(r"-?[0-9]+")
_DATE = re.compile(r"[0-9]{8}")

# Whitespace tolerated between segments (after a terminator, before the next segment id).
_BETWEEN = " \t\r\n\x0b\x0c"


# X12 numeric types have at most 18 digits; with a sign and a decimal point, 20 characters.
# Longer is refused at its element (int() of 4,301+ digits raises a plain ValueError).
MAX_NUMBER_LENGTH = 20


@runtime_checkable
class SupportsRead(Protocol):
    """A text or binary file object (anything with `read(size)`)."""

    def read(self, size: int, /) -> str | bytes: ...


Source = str | bytes | bytearray | memoryview | SupportsRead | Iterable[str | bytes]


@dataclass(slots=True)
class Segment:
    """One segment. `elements[0]` is the id, so `elements[4]` is element 04 (CLP04)."""

    id: str
    elements: list[str]
    number: int  # 1-based position in the input; the ISA is 1
    separators: Separators

    def get(self, pos: int, default: str = "") -> str:
        """Element `pos` (1-based X12 position), or `default` when absent or empty."""
        if pos < 0:
            raise IndexError("X12 element positions start at 1")
        elements = self.elements
        return elements[pos] if pos < len(elements) and elements[pos] else default

    def components(self, pos: int) -> list[str]:
        """Element `pos` split on the component separator; [] when empty."""
        value = self.get(pos)
        return value.split(self.separators.component) if value else []

    def component(self, pos: int, index: int, default: str = "") -> str:
        """Component `index` (1-based) of element `pos`: SVC01-2 is `component(1, 2)`."""
        parts = self.components(pos)
        return parts[index - 1] if 0 < index <= len(parts) and parts[index - 1] else default

    def repeats(self, pos: int) -> list[str]:
        """Element `pos` split on the repetition separator (EB03 in a 271); [] when empty."""
        value = self.get(pos)
        return value.split(self.separators.repetition) if value else []

    def text(self) -> str:
        """The segment as X12 text, without terminator."""
        return self.separators.element.join(self.elements)

    def error(
        self, reason: str, element: int | None = None, component: int | None = None
    ) -> X12SyntaxError:
        """An error located at this segment (for callers' own checks, e.g. 835 balancing)."""
        return X12SyntaxError(
            self.number,
            reason,
            segment_id=self.id,
            element_position=element,
            component_position=component,
        )

    @overload
    def decimal(self, pos: int, required: Literal[True] = ...) -> Decimal: ...
    @overload
    def decimal(self, pos: int, required: bool) -> Decimal | None: ...
    def decimal(self, pos: int, required: bool = True) -> Decimal | None:
        """Element `pos` as a Decimal (X12 type R); None when empty and not required."""
        value = self.get(pos)
        if not value:
            if required:
                raise self.error("required number is missing", pos)
            return None
        if _DECIMAL.fullmatch(value) is None:
            raise self.error("not a decimal number", pos)
        if len(value) > MAX_NUMBER_LENGTH:
            raise self.error("a number has at most 18 digits", pos)
        return Decimal(value)

    @overload
    def integer(self, pos: int, required: Literal[True] = ...) -> int: ...
    @overload
    def integer(self, pos: int, required: bool) -> int | None: ...
    def integer(self, pos: int, required: bool = True) -> int | None:
        """Element `pos` as an int (X12 type N0); None when empty and not required."""
        value = self.get(pos)
        if not value:
            if required:
                raise self.error("required integer is missing", pos)
            return None
        if _INTEGER.fullmatch(value) is None:
            raise self.error("not an integer", pos)
        if len(value) > MAX_NUMBER_LENGTH:
            raise self.error("a number has at most 18 digits", pos)
        return int(value)

    # `datetime.date` spelled out: inside the class, `date` is this method.
    @overload
    def date(self, pos: int, required: Literal[True] = ...) -> datetime.date: ...
    @overload
    def date(self, pos: int, required: bool) -> datetime.date | None: ...
    def date(self, pos: int, required: bool = True) -> datetime.date | None:
        """Element `pos` as a date (X12 type DT, CCYYMMDD); None when empty and not required."""
        value = self.get(pos)
        if not value:
            if required:
                raise self.error("required date is missing", pos)
            return None
        if _DATE.fullmatch(value) is None:
            raise self.error("not a date (CCYYMMDD)", pos)
        try:
            return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise self.error("not a calendar date (CCYYMMDD)", pos) from None


def _decode(chunk: str | bytes | bytearray | memoryview) -> str:
    return chunk if isinstance(chunk, str) else str(chunk, ENCODING)


def _text_chunks(source: Source, size: int) -> Iterator[str]:
    """The source as text chunks of about `size` characters."""
    if size < 1:
        raise ValueError("chunk_size must be positive")
    if isinstance(source, str):
        # Already in memory, but sliced anyway so that splitting never builds a list of
        # every segment of a 100 MB string at once.
        for start in range(0, len(source), size):
            yield source[start : start + size]
    elif isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source).cast("B")
        for start in range(0, len(view), size):
            yield str(view[start : start + size], ENCODING)
    elif isinstance(source, SupportsRead):
        read = source.read
        while chunk := read(size):
            yield _decode(chunk)
    else:
        for piece in source:
            if piece:
                yield _decode(piece)


def _buffer_isa(pending: str, chunks: Iterator[str], number: int) -> str:
    """`pending` without leading padding, topped up until it holds a whole ISA (or EOF).

    `number` segments were read before; empty input (nothing at all) is an error.
    """
    pending = skip_padding(pending)
    while len(pending) < ISA_LENGTH:
        chunk = next(chunks, None)
        if chunk is None:
            break
        pending = skip_padding(pending + chunk)
    if not pending and number == 0:
        raise X12SyntaxError(1, "no ISA segment: the input is empty")
    return pending


def _linebreak_fixer(seps: Separators) -> Callable[[str], str]:
    """How to clean line breaks out of the text of an interchange using `seps`."""
    if "\r" not in seps.chars() and "\n" not in seps.chars():
        # Line breaks are formatting: dropping them up front keeps the per-segment loop
        # free of stripping, and also mends files wrapped at a fixed line width.
        return _drop_linebreaks
    if seps.segment == "\n":
        return _crlf_to_lf  # or every segment would end in "\r"
    return _keep


def _drop_linebreaks(text: str) -> str:
    if "\n" in text:
        text = text.replace("\n", "")
    if "\r" in text:
        text = text.replace("\r", "")
    return text


def _crlf_to_lf(text: str) -> str:
    return text.replace("\r\n", "\n") if "\r" in text else text


def _keep(text: str) -> str:
    return text


def iter_segments(source: Source, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Segment]:
    """The segments of one or more interchanges, streamed.

    Separators come from each ISA (a later interchange in the same input may declare
    different ones). Tolerated: a BOM or whitespace before the ISA, line breaks or other
    whitespace between segments, one-line files, CRLF or LF, a trailing newline.
    Raises X12SyntaxError for empty input, input not starting with an ISA, a malformed
    ISA, a malformed segment id, a segment longer than MAX_SEGMENT_LENGTH (wrong
    terminator), or a last segment without terminator (truncated file).
    Envelope counts and control numbers are `EnvelopeValidator`'s job.
    """
    chunks = _text_chunks(source, chunk_size)
    pending = ""  # text read but not yet split into segments
    number = 0
    while True:
        pending = _buffer_isa(pending, chunks, number)
        if not pending:
            return  # nothing but padding after the last IEA
        seps = parse_isa(pending, number + 1)
        terminator = seps.segment
        element = seps.element
        fix = _linebreak_fixer(seps)
        restart = False
        # One flat generator on purpose: the inner loop runs once per segment, and helper
        # generators (yield from) would add a frame switch to each of them.
        while not restart:
            raw = pending
            parts = fix(raw).split(terminator)
            pending = parts.pop()  # unterminated remainder: waits for the next chunk
            if len(pending) > MAX_SEGMENT_LENGTH:
                raise X12SyntaxError(
                    number + len(parts) + 1,
                    f"no segment terminator {terminator!r} within {MAX_SEGMENT_LENGTH} "
                    "characters (does the file use the terminator its ISA declares?)",
                )
            for i, text in enumerate(parts):
                elements = text.split(element)
                sid = elements[0]
                if not (sid.isalnum() and 1 < len(sid) < 4):
                    # Rare path: whitespace between segments, an empty segment, or junk.
                    stripped = text.lstrip(_BETWEEN)
                    if not stripped:
                        continue
                    elements = stripped.split(element)
                    sid = elements[0]
                    if not (sid.isalnum() and 1 < len(sid) < 4):
                        raise X12SyntaxError(
                            number + 1, "segment id is not 2 or 3 letters or digits"
                        )
                number += 1
                yield Segment(sid, elements, number, seps)
                if sid == "IEA":
                    # The next interchange may declare other separators and line-break
                    # rules: restart from its raw text. `fix` never adds or removes a
                    # terminator, so the IEA's terminator is number i+1 in `raw` as well.
                    pending = terminator.join(raw.split(terminator)[i + 1 :])
                    restart = True
                    break
            else:
                chunk = next(chunks, None)
                if chunk is None:
                    if pending.strip(PADDING):
                        raise X12SyntaxError(
                            number + 1,
                            "the last segment has no segment terminator (truncated input?)",
                        )
                    return
                pending += chunk


class EnvelopeValidator:
    """Checks the ISA/GS/ST envelope while segments stream past.

    Feed every segment in order with `feed`, then call `finish` at the end of input.
    Between calls `isa`, `gs` and `st` are the currently open envelope segments (None
    once closed) and the counts say how far the current one has got, so a transaction
    parser can stream and validate in one pass.
    """

    __slots__ = (
        "group_count",
        "gs",
        "interchange_count",
        "isa",
        "last_number",
        "segment_count",
        "st",
        "transaction_count",
    )

    def __init__(self) -> None:
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.st: Segment | None = None
        self.interchange_count = 0  # ISAs seen
        self.group_count = 0  # GSs in the current interchange
        self.transaction_count = 0  # STs in the current group
        self.segment_count = 0  # segments of the current transaction, ST..latest
        self.last_number = 0  # number of the last segment fed

    def feed(self, seg: Segment) -> None:
        """Check one segment; raises X12SyntaxError at the first envelope error."""
        self.last_number = seg.number
        if self.st is not None and seg.id not in _HANDLERS:
            self.segment_count += 1  # the hot path: a body segment
            return
        self._control(seg)

    def _control(self, seg: Segment) -> None:
        handler = _HANDLERS.get(seg.id)
        if handler is None:
            raise seg.error("segment outside a transaction (not between ST and SE)")
        handler(self, seg)

    def _isa(self, seg: Segment) -> None:
        self._not_in_transaction(seg)
        if self.isa is not None:
            raise seg.error(f"ISA before the IEA of the interchange at segment {self.isa.number}")
        if len(seg.elements) != 17:
            raise seg.error("the ISA must have 16 elements")
        if not (len(seg.get(13)) == 9 and seg.get(13).isdigit()):
            raise seg.error("ISA13 (interchange control number) must be 9 digits", 13)
        self.isa = seg
        self.interchange_count += 1
        self.group_count = 0

    def _ta1(self, seg: Segment) -> None:
        # Interchange acknowledgment: inside the interchange, outside any group.
        self._not_in_transaction(seg)
        if self.isa is None or self.gs is not None:
            raise seg.error("TA1 must follow the ISA, outside any functional group")

    def _gs(self, seg: Segment) -> None:
        self._not_in_transaction(seg)
        if self.isa is None:
            raise seg.error("GS outside an interchange (no ISA)")
        if self.gs is not None:
            raise seg.error(f"GS before the GE of the group started at segment {self.gs.number}")
        if not seg.get(6):
            raise seg.error("GS06 (group control number) is missing", 6)
        self.gs = seg
        self.group_count += 1
        self.transaction_count = 0

    def _st(self, seg: Segment) -> None:
        self._not_in_transaction(seg)
        if self.gs is None:
            raise seg.error("ST outside a functional group (no GS)")
        if not seg.get(2):
            raise seg.error("ST02 (transaction set control number) is missing", 2)
        self.st = seg
        self.segment_count = 1
        self.transaction_count += 1

    def _se(self, seg: Segment) -> None:
        st = self.st
        if st is None:
            raise seg.error("SE without ST")
        self.segment_count += 1
        count = seg.integer(1)
        if count != self.segment_count:
            raise seg.error(
                f"SE01 is {count} but the transaction has {self.segment_count} segments "
                f"(ST at segment {st.number} to SE)",
                1,
            )
        if seg.get(2) != st.get(2):
            raise seg.error(
                f"SE02 {seg.get(2)!r} does not match ST02 {st.get(2)!r} (segment {st.number})",
                2,
            )
        self.st = None

    def _ge(self, seg: Segment) -> None:
        self._not_in_transaction(seg)
        gs = self.gs
        if gs is None:
            raise seg.error("GE without GS")
        count = seg.integer(1)
        if count != self.transaction_count:
            raise seg.error(
                f"GE01 is {count} but the group has {self.transaction_count} transactions", 1
            )
        if seg.get(2) != gs.get(6):
            raise seg.error(
                f"GE02 {seg.get(2)!r} does not match GS06 {gs.get(6)!r} (segment {gs.number})",
                2,
            )
        self.gs = None

    def _iea(self, seg: Segment) -> None:
        self._not_in_transaction(seg)
        isa = self.isa
        if isa is None:
            raise seg.error("IEA without ISA")
        if self.gs is not None:
            raise seg.error(f"IEA before the GE of the group started at segment {self.gs.number}")
        count = seg.integer(1)
        if count != self.group_count:
            raise seg.error(
                f"IEA01 is {count} but the interchange has {self.group_count} groups", 1
            )
        if seg.get(2) != isa.get(13):
            raise seg.error(f"IEA02 {seg.get(2)!r} does not match ISA13 {isa.get(13)!r}", 2)
        self.isa = None

    def _not_in_transaction(self, seg: Segment) -> None:
        if self.st is not None:
            raise seg.error(
                f"{seg.id} inside the transaction started at segment {self.st.number} (SE missing?)"
            )

    def finish(self) -> None:
        """Call at the end of input: everything opened must have been closed."""
        at = self.last_number + 1
        if self.st is not None:
            raise X12SyntaxError(
                at, f"input ends inside the transaction started at segment {self.st.number}"
            )
        if self.gs is not None:
            raise X12SyntaxError(
                at, f"input ends inside the group started at segment {self.gs.number} (no GE)"
            )
        if self.isa is not None:
            raise X12SyntaxError(
                at,
                f"input ends inside the interchange started at segment {self.isa.number} (no IEA)",
            )
        if self.interchange_count == 0:
            raise X12SyntaxError(1, "no interchange in the input")


_HANDLERS: dict[str, Callable[[EnvelopeValidator, Segment], None]] = {
    "ISA": EnvelopeValidator._isa,
    "TA1": EnvelopeValidator._ta1,
    "GS": EnvelopeValidator._gs,
    "ST": EnvelopeValidator._st,
    "SE": EnvelopeValidator._se,
    "GE": EnvelopeValidator._ge,
    "IEA": EnvelopeValidator._iea,
}


@dataclass
class Transaction:
    st: Segment
    segments: list[Segment]  # ST..SE inclusive
    control_number: str  # ST02
    transaction_set: str  # ST01: "999", "271", ...
    version: str  # ST03, or GS08 when ST03 is absent

    @property
    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        return self.segments[1:-1]


@dataclass
class Group:
    gs: Segment
    transactions: list[Transaction] = field(default_factory=list)

    @property
    def functional_id(self) -> str:
        return self.gs.get(1)

    @property
    def control_number(self) -> str:
        return self.gs.get(6)

    @property
    def version(self) -> str:
        return self.gs.get(8)


@dataclass
class Interchange:
    isa: Segment
    groups: list[Group] = field(default_factory=list)
    ta1: list[Segment] = field(default_factory=list)  # interchange acknowledgments, if any

    @property
    def separators(self) -> Separators:
        return self.isa.separators

    @property
    def control_number(self) -> str:
        return self.isa.get(13)


def read_interchange(source: Source) -> Interchange:
    """The whole interchange in memory, envelope validated. For small files (acks, 271)."""
    validator = EnvelopeValidator()
    interchange: Interchange | None = None
    group: Group | None = None
    transaction: Transaction | None = None
    for seg in iter_segments(source):
        validator.feed(seg)
        if transaction is not None:
            transaction.segments.append(seg)
            if seg.id == "SE":
                transaction = None
            continue
        sid = seg.id
        if sid == "ISA":
            if interchange is not None:
                raise seg.error("more than one interchange in the input (use iter_segments)")
            interchange = Interchange(seg)
        elif sid == "GS":
            assert interchange is not None  # the validator saw the ISA
            group = Group(seg)
            interchange.groups.append(group)
        elif sid == "ST":
            assert group is not None  # the validator saw the GS
            transaction = Transaction(
                st=seg,
                segments=[seg],
                control_number=seg.get(2),
                transaction_set=seg.get(1),
                version=seg.get(3) or group.version,
            )
            group.transactions.append(transaction)
        elif sid == "TA1":
            assert interchange is not None
            interchange.ta1.append(seg)
    validator.finish()
    assert interchange is not None  # finish() raised otherwise
    return interchange
