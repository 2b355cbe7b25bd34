"""Separators come from the fixed-width ISA, and a malformed ISA is reported precisely."""

from __future__ import annotations

import pytest

from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.separators import ISA_LENGTH, Separators, from_isa

ISA = (
    "ISA*00*          *00*          *ZZ*SUBMITTER1     *ZZ*PAYER1         "
    "*240305*1407*^*00501*000000042*0*T*:~"
)


def test_isa_fixture_is_fixed_width() -> None:
    assert len(ISA) == ISA_LENGTH


def test_defaults() -> None:
    assert Separators() == Separators("*", ":", "^", "~")
    assert Separators.from_isa(ISA) == Separators()
    assert from_isa(ISA) == Separators()


def test_every_separator_is_read_from_its_position() -> None:
    odd = ISA.replace("*", "|").replace("^", "{").replace(":", ">").replace("~", "\n")
    assert Separators.from_isa(odd) == Separators("|", ">", "{", "\n")


@pytest.mark.parametrize("lead", ["", "  \r\n", "\ufeff", "\ufeff\n", "\xef\xbb\xbf", "\n\t "])
def test_leading_whitespace_and_bom_are_tolerated(lead: str) -> None:
    assert Separators.from_isa(lead + ISA + "GS*...") == Separators()


def _error(text: str) -> X12SyntaxError:
    with pytest.raises(X12SyntaxError) as caught:
        Separators.from_isa(text)
    assert caught.value.segment_number == 1
    return caught.value


def test_short_sender_id_names_isa06() -> None:
    short = ISA.replace("SUBMITTER1     ", "SUBMITTER1    ")  # 14 characters
    err = _error(short + "GS*HC~")
    assert (err.segment_id, err.element_position) == ("ISA", 6)
    assert "ISA06 must be exactly 15 characters" in err.reason


def test_long_isa13_names_it() -> None:
    err = _error(ISA.replace("000000042", "0000000042"))
    assert err.element_position == 13


def test_truncated_isa() -> None:
    err = _error(ISA[:60])
    assert err.segment_id == "ISA"
    assert "truncated" in err.reason
    assert _error(ISA[:105]).element_position == 16  # no terminator at all


def test_two_character_isa16_leaves_no_terminator_at_105() -> None:
    err = _error(ISA.replace(":~", "::~"))
    assert err.element_position == 16
    assert "106" in err.reason


def test_not_an_isa() -> None:
    assert _error("GS*HC*A*B~").segment_id is None
    assert "empty" in _error("").reason
    assert "empty" in _error(" \n ").reason


def test_4010_repetition_field_is_refused() -> None:
    err = _error(ISA.replace("*^*00501*", "*U*00401*"))
    assert err.element_position == 11
    assert "5010" in err.reason


def test_duplicate_separators_are_refused() -> None:
    assert _error(ISA.replace("*^*", "*:*")).element_position == 16  # ISA16 == ISA11
    assert _error(ISA.replace(":~", "A~")).element_position == 16  # a letter


def test_constructor_refuses_unusable_separators() -> None:
    with pytest.raises(ValueError, match="different"):
        Separators(element="*", component="*")
    with pytest.raises(ValueError, match="letters"):
        Separators(segment="X")
    with pytest.raises(ValueError, match="letters"):
        Separators(element="**")
