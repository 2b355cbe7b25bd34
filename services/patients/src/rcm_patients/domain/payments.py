"""Rules for patient payments. Pure: no I/O."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")


def looks_like_a_card_number(text: str) -> bool:
    """13 to 19 digits (spaces and dashes aside) that pass the Luhn check: a primary
    account number, which this service must never store. A processor's reference is
    welcome; the card itself is not."""
    digits = [int(d) for d in _DIGITS.findall(text)]
    if not 13 <= len(digits) <= 19 or re.search(r"[^\d\s-]", text):
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if i % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0
