"""Code-set checks. ICD-10-CM comes from simple-icd-10-cm (the CMS release as data, kept
up to date upstream); CPT is licensed by the AMA, so for CPT and HCPCS Level II we check the
published formats only."""

from __future__ import annotations

import functools
import re

import simple_icd_10_cm as icd

# CPT Category I: 5 digits; Category II: 4 digits + F; Category III: 4 digits + T;
# Proprietary Laboratory Analyses: 4 digits + U.
CPT = re.compile(r"^[0-9]{4}[0-9FTU]$")
# HCPCS Level II: one letter A-V followed by 4 digits.
HCPCS_II = re.compile(r"^[A-V][0-9]{4}$")
MODIFIER = re.compile(r"^[0-9A-Z]{2}$")


def load() -> None:
    """Touch the code set once at start-up, so the first claim does not pay for it."""
    icd.is_valid_item("A00")


@functools.lru_cache(maxsize=65536)
def icd10_status(code: str) -> str:
    """'billable', 'not_billable' (a category with children), or 'unknown'. Remembered:
    the code set does not change while the process runs, and a billing day repeats the
    same few hundred codes thousands of times."""
    # chapters ("4") and blocks ("E08-E13") are valid items of the classification, not codes
    if not icd.is_valid_item(code) or not icd.is_category_or_subcategory(code):
        return "unknown"
    return "billable" if icd.is_leaf(code) else "not_billable"


def is_procedure_code(code: str) -> bool:
    return bool(CPT.match(code) or HCPCS_II.match(code))


def is_modifier(code: str) -> bool:
    return bool(MODIFIER.match(code))
