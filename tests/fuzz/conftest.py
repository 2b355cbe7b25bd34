"""The fuzzing tier: its apps and its figures in the terminal summary."""

from __future__ import annotations

from typing import Any

from .tally import lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    found = lines()
    if found:
        terminalreporter.section("fuzzing: requests tried, server errors, unlocated refusals")
        for line in found:
            terminalreporter.write_line(line)
