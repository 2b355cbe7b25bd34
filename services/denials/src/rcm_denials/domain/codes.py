"""The CARC and RARC code lists and our mapping of them, read from the versioned CSV files in
rcm_denials/data (the lists change three times a year: updating them is a data change, not a
code change)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

CATEGORIES = (
    "eligibility",
    "authorization",
    "coding",
    "medical_necessity",
    "duplicate",
    "timely_filing",
    "missing_information",
    "bundling",
    "coordination_of_benefits",
    "non_covered",
    "pricing",
    "other",
)
# Not a denial category: what carc_rules.csv calls deductible, coinsurance and copay.
PATIENT_RESPONSIBILITY = "patient_responsibility"
ACTIONS = ("correct_and_resubmit", "appeal", "write_off", "bill_patient", "bill_secondary")


@dataclass(frozen=True)
class Code:
    code: str
    description: str
    start_date: date | None
    stop_date: date | None

    def in_force(self, on: date) -> bool:
        return (self.start_date is None or self.start_date <= on) and (
            self.stop_date is None or on < self.stop_date
        )


@dataclass(frozen=True)
class CarcRule:
    category: str
    action: str
    denial: bool
    refine: bool  # a generic code whose remark codes may name the real cause


@dataclass(frozen=True)
class RarcRule:
    category: str
    action: str


@dataclass(frozen=True)
class CodeBook:
    carcs: dict[str, Code]
    rarcs: dict[str, Code]
    carc_rules: dict[str, CarcRule]
    rarc_rules: dict[tuple[str, str], RarcRule]  # (carc or "*", rarc)
    recoverability: dict[str, Decimal]
    carc_publication: str
    rarc_publication: str

    def carc_description(self, code: str) -> str:
        found = self.carcs.get(code)
        return found.description if found else "(not in the CARC list)"

    def rarc_description(self, code: str) -> str:
        found = self.rarcs.get(code)
        return found.description if found else "(not in the RARC list)"


def _rows(name: str) -> tuple[str, Iterator[dict[str, str]]]:
    """The file's first comment line (its publication note) and its data rows."""
    text = resources.files("rcm_denials.data").joinpath(name).read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    body = "\n".join(line for line in text.splitlines() if line and not line.startswith("#"))
    return (comments[0].lstrip("# ") if comments else ""), csv.DictReader(io.StringIO(body))


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _codes(name: str) -> tuple[str, dict[str, Code]]:
    note, rows = _rows(name)
    return note, {
        r["code"]: Code(r["code"], r["description"], _date(r["start_date"]), _date(r["stop_date"]))
        for r in rows
    }


def _check(value: str, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise ValueError(f"{where}: {value!r} is not one of {allowed}")
    return value


def load() -> CodeBook:
    carc_note, carcs = _codes("carc.csv")
    rarc_note, rarcs = _codes("rarc.csv")
    categories = (*CATEGORIES, PATIENT_RESPONSIBILITY)
    carc_rules = {
        r["code"]: CarcRule(
            category=_check(r["category"], categories, f"carc_rules {r['code']}"),
            action=_check(r["action"], ACTIONS, f"carc_rules {r['code']}"),
            denial=r["denial"] == "1",
            refine=r["refine"] == "1",
        )
        for r in _rows("carc_rules.csv")[1]
    }
    rarc_rules = {
        (r["carc"], r["rarc"]): RarcRule(
            category=_check(r["category"], CATEGORIES, f"rarc_rules {r['rarc']}"),
            action=_check(r["action"], ACTIONS, f"rarc_rules {r['rarc']}"),
        )
        for r in _rows("rarc_rules.csv")[1]
    }
    recoverability = {
        _check(r["category"], CATEGORIES, "recoverability"): Decimal(r["recoverability"])
        for r in _rows("recoverability.csv")[1]
    }
    return CodeBook(
        carcs=carcs,
        rarcs=rarcs,
        carc_rules=carc_rules,
        rarc_rules=rarc_rules,
        recoverability=recoverability,
        carc_publication=carc_note,
        rarc_publication=rarc_note,
    )


@cache
def codebook() -> CodeBook:
    """Read once per process (the app factory calls it at start, so a broken file stops the
    service before it consumes anything)."""
    return load()
