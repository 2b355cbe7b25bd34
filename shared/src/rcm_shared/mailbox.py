"""Inbound mailbox folders (a clearinghouse's SFTP drop, mounted): <root>/<tenant>/<file>.
A file is moved to processed/ or failed/ beside it once ingested. Blocking file system
calls: run them in a thread."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

OUTCOME_FOLDERS = ("processed", "failed")


def safe_name(value: str) -> str:
    """A file or folder name that cannot climb out of its folder."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", value)[:100] or "_"


def pending_files(root: Path) -> list[tuple[str, Path]]:
    """(tenant, path) of every file waiting, oldest name first; dot files are being written."""
    if not root.exists():
        return []
    return [
        (tenant_dir.name, path)
        for tenant_dir in sorted(p for p in root.iterdir() if p.is_dir())
        for path in sorted(tenant_dir.iterdir())
        if path.is_file() and not path.name.startswith(".")
    ]


def file_away(path: Path, outcome: str) -> None:
    if outcome not in OUTCOME_FOLDERS:
        raise ValueError(f"unknown outcome {outcome}")
    target = path.parent / outcome
    target.mkdir(exist_ok=True)
    shutil.move(str(path), target / safe_name(path.name))
