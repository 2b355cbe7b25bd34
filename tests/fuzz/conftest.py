"""Counters the fuzz tests fill and the terminal summary that prints them, so plain
`make test` output shows how much was tried and what failed."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

# (fuzzer, target) -> counts, e.g. ("x12", "remittance POST /v1/remittances") -> {"tried": 70}
COUNTS: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))


def count(fuzzer: str, target: str, **increments: int) -> None:
    row = COUNTS[(fuzzer, target)]
    for key, value in increments.items():
        row[key] += value


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not COUNTS:
        return
    terminalreporter.section("fuzzing")
    for (fuzzer, target), row in sorted(COUNTS.items()):
        figures = ", ".join(f"{k} {v}" for k, v in sorted(row.items()))
        terminalreporter.write_line(f"{fuzzer:<13} {target:<48} {figures}")
