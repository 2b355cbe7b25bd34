"""The four X12 delimiters, read from the fixed-width ISA segment.

An interchange declares its own delimiters: the element separator is the character right
after "ISA", the repetition separator is ISA11, the component separator is ISA16 and the
segment terminator follows ISA16. That only works because the ISA is fixed width (106
characters), so a wrong width is reported as such instead of being guessed around.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rcm_shared.x12.errors import X12SyntaxError

ISA_LENGTH = 106
# Widths of ISA01..ISA16 (all fixed in 5010).
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
# Index of the element separator in front of ISA01..ISA16: 3, 6, 17, ... 103.
ISA_SEPARATOR_AT = tuple(3 + sum(w + 1 for w in ISA_WIDTHS[:k]) for k in range(16))
ISA_TERMINATOR_AT = ISA_SEPARATOR_AT[15] + 1 + ISA_WIDTHS[15]  # 105

# What may precede the ISA (and sit between interchanges): whitespace, NUL and Ctrl-Z
# padding left by old transfer software, a UTF-8 BOM read as text ("\ufeff") or as
# latin-1 bytes ("ï»¿").
PADDING = " \t\r\n\x0b\x0c\x00\x1a"
_BOMS = ("\ufeff", "\xef\xbb\xbf")


def skip_padding(text: str) -> str:
    """`text` without leading whitespace, padding and byte-order mark."""
    text = text.lstrip(PADDING)
    for bom in _BOMS:
        if text.startswith(bom):
            return text[len(bom) :].lstrip(PADDING)
    return text


def _is_delimiter(char: str) -> bool:
    # Letters, digits and the space occur in data, so they can never delimit it.
    return len(char) == 1 and not char.isalnum() and char != " "


@dataclass(frozen=True)
class Separators:
    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"

    def __post_init__(self) -> None:
        chars = (self.element, self.component, self.repetition, self.segment)
        if not all(_is_delimiter(c) for c in chars):
            raise ValueError("X12 separators must be single characters, not letters/digits/space")
        if len(set(chars)) != 4:
            raise ValueError("X12 separators must be four different characters")

    @classmethod
    def from_isa(cls, text: str) -> Separators:
        """The separators declared by the ISA at the start of `text` (the ISA is segment 1)."""
        return parse_isa(text, segment_number=1)

    def chars(self) -> str:
        """The four characters, e.g. for a character-class check."""
        return self.element + self.component + self.repetition + self.segment


def from_isa(text: str) -> Separators:
    """Module-level spelling of `Separators.from_isa`."""
    return parse_isa(text, segment_number=1)


def parse_isa(text: str, segment_number: int) -> Separators:
    """Separators from the ISA at the start of `text`, which may hold more than the ISA.

    `segment_number` places errors when the ISA is not the first segment of the input
    (a second interchange in the same file).
    """
    isa = skip_padding(text)

    def fail(reason: str, element: int | None = None) -> X12SyntaxError:
        return X12SyntaxError(segment_number, reason, segment_id="ISA", element_position=element)

    if not isa.startswith("ISA"):
        if not isa:
            raise X12SyntaxError(segment_number, "no ISA segment: the input is empty")
        raise X12SyntaxError(segment_number, "the interchange does not start with an ISA segment")
    if len(isa) < 4:
        raise fail(f"ISA truncated: the ISA is fixed width ({ISA_LENGTH} characters)")
    element = isa[3]
    if not _is_delimiter(element):
        raise fail("the character after ISA is not a usable element separator")
    # Walk the fixed separator positions: the first one out of place names the element
    # whose width is wrong (ISA06/ISA08 padding is the usual culprit).
    for k in range(1, 16):
        at = ISA_SEPARATOR_AT[k]
        if at >= len(isa):
            raise fail(f"ISA truncated: the ISA is fixed width ({ISA_LENGTH} characters)", k)
        if isa[at] != element:
            raise fail(
                f"ISA{k:02d} must be exactly {ISA_WIDTHS[k - 1]} characters "
                f"(the ISA is fixed width, {ISA_LENGTH} characters)",
                k,
            )
    if len(isa) < ISA_LENGTH:
        raise fail(f"ISA truncated: the ISA is fixed width ({ISA_LENGTH} characters)", 16)
    return _declared(isa, fail)


def _declared(isa: str, fail: Callable[[str, int | None], X12SyntaxError]) -> Separators:
    """The separators of a well-formed (fixed-width) ISA, checked for usability."""
    element = isa[3]
    repetition = isa[ISA_SEPARATOR_AT[10] + 1]
    component = isa[ISA_SEPARATOR_AT[15] + 1]
    segment = isa[ISA_TERMINATOR_AT]
    if not _is_delimiter(repetition):
        # 4010 put "U" here; 5010 made ISA11 the repetition separator.
        raise fail("ISA11 is not a repetition separator (not a 5010 interchange?)", 11)
    if not _is_delimiter(component):
        raise fail("ISA16 is not a component separator", 16)
    if repetition == element:
        raise fail("ISA11 (repetition separator) equals the element separator", 11)
    if component in (element, repetition):
        raise fail("ISA16 (component separator) equals another separator", 16)
    if not _is_delimiter(segment) or segment in (element, repetition, component):
        # Most often an ISA16 longer than one character, pushing the terminator along.
        raise fail(
            f"no segment terminator at character {ISA_TERMINATOR_AT + 1} "
            f"(the ISA is fixed width, {ISA_LENGTH} characters)",
            16,
        )
    return Separators(element, component, repetition, segment)
