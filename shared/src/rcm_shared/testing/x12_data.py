"""The public X12 sample files the tests read, kept in the repository under
tests/data/x12/<type>/ byte for byte (origin, commit and licence of each in its SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

from rcm_shared.testing.fixtures import REPO

SAMPLES = REPO / "tests" / "data" / "x12"


def sample_files(kind: str | None = None) -> list[Path]:
    """Every sample of one transaction folder (`835`, `277ca`, ...), or of all of them.
    An empty answer is an error, not a skip: a test over no file would pass vacuously."""
    folders = [SAMPLES / kind] if kind else sorted(p for p in SAMPLES.iterdir() if p.is_dir())
    files = sorted(
        f for folder in folders if folder.is_dir() for f in folder.iterdir() if f.is_file()
    )
    if not files:
        raise FileNotFoundError(f"no X12 sample under {SAMPLES / (kind or '')}")
    return files
