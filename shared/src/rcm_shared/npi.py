"""National Provider Identifier check digit (CMS NPI standard): the Luhn formula over the
nine identifier digits prefixed with 80840, the ISO card-issuer prefix for US health."""

from __future__ import annotations

import functools

NPI_PREFIX = "80840"


def luhn_check_digit(digits: str) -> int:
    total = 0
    # Double every second digit from the right of the payload (the check digit is absent).
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


@functools.lru_cache(maxsize=65536)  # a practice's few NPIs are on every one of its claims
def is_valid_npi(npi: str) -> bool:
    # isascii: str.isdigit() also accepts full-width and superscript digits
    if len(npi) != 10 or not (npi.isascii() and npi.isdigit()) or npi[0] not in "12":
        return False
    return luhn_check_digit(NPI_PREFIX + npi[:9]) == int(npi[9])
