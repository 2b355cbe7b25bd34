"""The public X12 samples in tests/data/x12: every file is listed with its origin in
SOURCES.md, every listed file is there, and every one of them is read."""

from __future__ import annotations

import re

import pytest

from rcm_shared.testing.x12_data import SAMPLES, sample_files
from rcm_shared.x12.reader import iter_segments

# a table row of SOURCES.md: | type | `folder/file` | repository | original path | ...
LISTED = re.compile(r"^\| [0-9a-z]+ \| `([^`]+)` \| ([\w-]+/[\w.-]+) \| `([^`]+)` \|", re.M)


def listed() -> dict[str, str]:
    table = (SAMPLES / "SOURCES.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in LISTED.finditer(table)}


def test_every_sample_is_listed_with_its_repository_and_every_listed_one_is_there() -> None:
    on_disk = {f"{p.parent.name}/{p.name}" for p in sample_files()}
    rows = listed()
    assert on_disk == set(rows)
    table = (SAMPLES / "SOURCES.md").read_text(encoding="utf-8")
    for repository in set(rows.values()):  # its commit and licence are in the header table
        assert re.search(rf"\| github\.com/{re.escape(repository)} \| `[0-9a-f]{{40}}` \|", table)


def test_every_sample_is_read_to_its_end() -> None:
    """Counts what it parsed: an emptied folder fails here instead of skipping elsewhere."""
    parsed = 0
    for path in sample_files():
        segments = list(iter_segments(path.read_bytes()))
        assert segments[0].id == "ISA" and segments[-1].id == "IEA", path.name
        parsed += 1
    assert parsed == len(listed()) == 29


def test_an_empty_folder_is_an_error_not_a_skip() -> None:
    with pytest.raises(FileNotFoundError, match="no X12 sample"):
        sample_files("no-such-transaction")
