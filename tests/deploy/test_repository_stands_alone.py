"""The repository stands alone: a clone with nothing beside it names no folder of the
machine it was written on, and reads its test data from inside itself."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from rcm_shared.testing.fixtures import REPO

# home and work folders of the machines this was written on, spelled so that this file
# does not match itself
MACHINE_PATH = re.compile(
    "(?<![\\w.])/(" + "|".join(["wo" + "rk", "ho" + "me", "ro" + "ot", "Us" + "ers"]) + r")/[\w.]"
)
TEXT_SUFFIXES = {".py", ".md", ".toml", ".sh", ".yml", ".yaml", ".cfg", ".ini", ".txt", ".xml"}


def tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True
    ).stdout.decode()
    return [REPO / name for name in out.split("\0") if name]


def test_no_tracked_file_names_a_machine_path() -> None:
    files = [
        p
        for p in tracked_files()
        # a Dockerfile's paths are inside the image, not on a machine
        if p.is_file() and (p.suffix in TEXT_SUFFIXES or p.name == "Makefile")
    ]
    assert len(files) > 200  # the whole tree was looked at, not an empty listing
    found = [
        f"{p.relative_to(REPO)}:{n}: {line.strip()}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if MACHINE_PATH.search(line)
    ]
    assert found == []


def test_the_pattern_catches_what_it_is_for() -> None:
    """Negative control: a checker that matches nothing would pass above."""
    for bad in ("/" + "work/shared/x", '"/' + 'home/dev/rcm"', "cd /" + "root/.cache"):
        assert MACHINE_PATH.search(bad), bad
    for fine in ("services/claims/x.py", "https://example.org/home/x", "./work/x"):
        assert not MACHINE_PATH.search(fine), fine


def test_tests_read_no_folder_beside_the_repository() -> None:
    """Only the optional pyx12 270/271 maps may come from ../shared (they skip without it)."""
    allowed = {REPO / "shared/src/rcm_shared/testing/x12_oracle.py"}
    beside = re.compile(r"x12-samples|REPO\.parent|\.\./shared/")
    found = [
        str(p.relative_to(REPO))
        for p in tracked_files()
        if p.suffix == ".py"
        and p.is_file()
        and p not in allowed
        and p != Path(__file__).resolve()
        and beside.search(p.read_text(encoding="utf-8"))
    ]
    assert found == []
