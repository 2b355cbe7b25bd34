"""X12 5010 writer: segments to text, and the ISA/GS/ST envelope around transactions.

Values are written as given or refused (X12ValueError), never altered: a separator inside
a value would silently shift every following element, so the caller must clean the data
(and knows which field it came from; the error says which element).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from rcm_shared.x12.errors import X12ValueError
from rcm_shared.x12.separators import ISA_LENGTH, Separators

__all__ = [
    "Repeated",
    "Seg",
    "TransactionSpec",
    "Value",
    "X12ValueError",
    "build_interchange",
    "render_segments",
    "segment",
]

Component = str | None


@dataclass(frozen=True, slots=True)
class Repeated:
    """A repeating element: `Repeated(["1", "33", "AL"])` -> `1^33^AL` (EB03 in a 271)."""

    values: Sequence[str | Sequence[Component] | None]


# A simple element (str), empty (None or ""), a composite (a sequence of components,
# joined with the component separator) or repetitions.
Value = str | None | Sequence[Component] | Repeated


class Seg(NamedTuple):
    id: str
    values: tuple[Value, ...]


def segment(seg_id: str, *values: Value) -> Seg:
    """`segment("NM1", "41", "2", "ACME")`; element 1 is the first value."""
    return Seg(seg_id, values)


@dataclass(frozen=True)
class TransactionSpec:
    set_id: str  # ST01: "837", "270", "999"
    control_number: str  # ST02 = SE02, 4-9 characters, unique within the group
    segments: Sequence[Seg]  # the body: everything between ST and SE


_SEPARATOR_NAMES = ("element", "component", "repetition", "segment")
_SEG_ID = re.compile(r"[A-Z0-9]{2,3}")
_ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})


class _Renderer:
    """Renders values for one set of separators, refusing values that contain them."""

    def __init__(self, separators: Separators) -> None:
        self.seps = separators
        self.forbidden = re.compile("[" + re.escape(separators.chars()) + "]")

    def check(
        self,
        text: str,
        seg_id: str,
        position: int | None,
        element: int,
        component: int | None = None,
    ) -> str:
        found = self.forbidden.search(text)
        if found is not None:
            name = _SEPARATOR_NAMES[self.seps.chars().index(found.group())]
            raise X12ValueError(
                seg_id,
                f"value contains the {name} separator {found.group()!r}",
                segment_position=position,
                element_position=element,
                component_position=component,
            )
        return text

    def composite(
        self, parts: Sequence[Component], seg_id: str, position: int | None, element: int
    ) -> str:
        texts = [
            self.check(part, seg_id, position, element, k) if part else ""
            for k, part in enumerate(parts, start=1)
        ]
        while texts and not texts[-1]:  # no trailing component separators
            texts.pop()
        return self.seps.component.join(texts)

    def value(self, value: Value, seg_id: str, position: int | None, element: int) -> str:
        if value is None:
            return ""
        if isinstance(value, str):  # first: a str is also a Sequence[str]
            return self.check(value, seg_id, position, element)
        if isinstance(value, Repeated):
            reps = [
                ""
                if rep is None
                else self.check(rep, seg_id, position, element)
                if isinstance(rep, str)
                else self.composite(rep, seg_id, position, element)
                for rep in value.values
            ]
            while reps and not reps[-1]:
                reps.pop()
            return self.seps.repetition.join(reps)
        return self.composite(value, seg_id, position, element)

    def segment(self, seg: Seg, position: int | None) -> str:
        seg_id = seg.id
        if _SEG_ID.fullmatch(seg_id) is None:
            raise X12ValueError(
                seg_id, "segment id must be 2 or 3 letters or digits", segment_position=position
            )
        texts = [seg_id]
        texts.extend(
            self.value(value, seg_id, position, k) for k, value in enumerate(seg.values, start=1)
        )
        while len(texts) > 1 and not texts[-1]:  # X12: no trailing element separators
            texts.pop()
        return self.seps.element.join(texts) + self.seps.segment


def render_segments(
    segments: Iterable[Seg],
    separators: Separators = Separators(),  # noqa: B008 immutable
    *,
    segment_suffix: str = "",
    first_position: int = 1,
) -> str:
    """The segments as X12 text, each followed by the terminator and `segment_suffix`.

    `first_position` is the position of the first segment in its transaction, used in
    error messages (1 when rendering a whole transaction from ST, 2 for a body after ST).
    """
    _check_suffix(segment_suffix, separators)
    renderer = _Renderer(separators)
    return "".join(
        renderer.segment(seg, position) + segment_suffix
        for position, seg in enumerate(segments, start=first_position)
    )


def _check_suffix(suffix: str, separators: Separators) -> None:
    # Readers skip whitespace between segments, nothing else.
    if suffix and (not suffix.isspace() or any(c in separators.chars() for c in suffix)):
        raise ValueError("segment_suffix must be whitespace that is not a separator")


def _fixed(value: str, width: int, element: int, what: str) -> str:
    """An ISA field: at most `width` characters, padded with spaces to exactly `width`."""
    if len(value) > width:
        raise X12ValueError(
            "ISA", f"{what} is longer than {width} characters", element_position=element
        )
    return value.ljust(width)


def _control(value: int, seg_id: str, element: int) -> str:
    if not 0 < value <= 999_999_999:
        raise X12ValueError(
            seg_id, "control number must be between 1 and 999999999", element_position=element
        )
    return str(value)


def _length(value: str, low: int, high: int, seg_id: str, element: int, what: str) -> str:
    if not low <= len(value) <= high:
        raise X12ValueError(
            seg_id, f"{what} must be {low} to {high} characters", element_position=element
        )
    return value


def build_interchange(
    *,
    sender_qualifier: str,
    sender_id: str,
    receiver_qualifier: str,
    receiver_id: str,
    interchange_control: int,
    usage: Literal["P", "T"],
    ack_requested: bool,
    functional_id: str,
    app_sender: str,
    app_receiver: str,
    group_control: int,
    version: str,
    transactions: Sequence[TransactionSpec],
    separators: Separators = Separators(),  # noqa: B008 immutable
    timestamp: datetime | None = None,
    segment_suffix: str = "\n",
    authorization_qualifier: str = "00",
    authorization: str = "",
    security_qualifier: str = "00",
    security: str = "",
) -> str:
    """One interchange with one functional group holding `transactions`.

    The writer adds ST/SE (SE01 counted), GS/GE (GE01 = number of transactions) and
    ISA/IEA (IEA01 = 1, IEA02 = ISA13). `version` goes to GS08 and ST03. `timestamp`
    (default: now, UTC) gives ISA09/ISA10 and GS04/GS05. `segment_suffix` follows every
    terminator ("" for a one-line file).
    """
    _check_suffix(segment_suffix, separators)
    if not transactions:
        raise ValueError("an interchange needs at least one transaction")
    when = timestamp if timestamp is not None else datetime.now(UTC)
    renderer = _Renderer(separators)
    isa_control = _control(interchange_control, "ISA", 13).zfill(9)
    el = separators.element
    isa_fields = [
        "ISA",
        _fixed(authorization_qualifier, 2, 1, "ISA01"),
        _fixed(authorization, 10, 2, "ISA02"),
        _fixed(security_qualifier, 2, 3, "ISA03"),
        _fixed(security, 10, 4, "ISA04"),
        _fixed(sender_qualifier, 2, 5, "sender qualifier"),
        _fixed(sender_id, 15, 6, "sender id"),
        _fixed(receiver_qualifier, 2, 7, "receiver qualifier"),
        _fixed(receiver_id, 15, 8, "receiver id"),
        when.strftime("%y%m%d"),
        when.strftime("%H%M"),
        separators.repetition,
        "00501",
        isa_control,
        "1" if ack_requested else "0",
        usage,
        separators.component,
    ]
    # ISA11 and ISA16 *are* separators; every other field must be free of them.
    for k, field_value in enumerate(isa_fields[1:], start=1):
        if k not in (11, 16):
            renderer.check(field_value, "ISA", None, k)
    if usage not in ("P", "T"):
        raise X12ValueError("ISA", "usage must be P or T", element_position=15)
    isa = el.join(isa_fields) + separators.segment
    assert len(isa) == ISA_LENGTH, "the ISA is fixed width"

    out = [isa + segment_suffix]

    def envelope(seg: Seg) -> None:
        out.append(renderer.segment(seg, None) + segment_suffix)

    group = _control(group_control, "GS", 6)
    envelope(
        segment(
            "GS",
            _length(functional_id, 2, 2, "GS", 1, "GS01 (functional identifier)"),
            _length(app_sender, 2, 15, "GS", 2, "GS02 (application sender)"),
            _length(app_receiver, 2, 15, "GS", 3, "GS03 (application receiver)"),
            when.strftime("%Y%m%d"),
            when.strftime("%H%M"),
            group,
            "X",
            _length(version, 1, 12, "GS", 8, "GS08 (version)"),
        )
    )
    for spec in transactions:
        control = _length(spec.control_number, 4, 9, "ST", 2, "ST02 (control number)")
        set_id = _length(spec.set_id, 3, 3, "ST", 1, "ST01 (transaction set identifier)")
        out.append(renderer.segment(segment("ST", set_id, control, version), 1) + segment_suffix)
        for position, seg in enumerate(spec.segments, start=2):
            if seg.id in _ENVELOPE_IDS:
                # The writer owns the envelope; a stray SE would break every count.
                raise X12ValueError(
                    seg.id, "envelope segments are added by the writer", segment_position=position
                )
            out.append(renderer.segment(seg, position) + segment_suffix)
        count = len(spec.segments) + 2  # SE01 counts ST..SE inclusive
        out.append(renderer.segment(segment("SE", str(count), control), count) + segment_suffix)
    envelope(segment("GE", str(len(transactions)), group))
    envelope(segment("IEA", "1", isa_control))
    return "".join(out)
