"""NPI check digit (Luhn over 80840 + the first nine digits)."""

from __future__ import annotations

import pytest

from rcm_shared.npi import is_valid_npi

VALID = ["1245319599", "1234567893"]


@pytest.mark.parametrize("npi", VALID)
def test_valid_npis(npi: str) -> None:
    assert is_valid_npi(npi)


@pytest.mark.parametrize(
    "npi",
    [
        "1245319598",
        "1234567890",
        "123456789",
        "12345678931",
        "",
        "12345678a3",
        "1234-67893",
        " 234567893",
        "3234567893",
        "0234567891",
    ],
)
def test_invalid_npis(npi: str) -> None:
    assert not is_valid_npi(npi)


@pytest.mark.parametrize("npi", VALID)
def test_every_single_digit_change_is_caught(npi: str) -> None:
    for i in range(10):
        for d in "0123456789":
            if d != npi[i]:
                typo = npi[:i] + d + npi[i + 1 :]
                assert not is_valid_npi(typo), typo


@pytest.mark.parametrize("npi", ["1\uff1234567893", "123456789\u00b2", "\u0661234567893"])
def test_non_ascii_digits_are_refused(npi: str) -> None:
    # full-width, superscript and Arabic-Indic digits pass str.isdigit() but are no NPI
    assert is_valid_npi(npi) is False
