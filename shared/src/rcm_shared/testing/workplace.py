"""Where the workplace's shared folder is (X12 samples and the pyx12 oracle). CI clones
the repository with `shared/` beside it; a developer may point RCM_SHARED_DIR elsewhere."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[4]


def shared_dir() -> Path:
    candidates = [os.environ.get("RCM_SHARED_DIR"), REPO.parent / "shared", "/work/shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "x12-samples").is_dir():
            return Path(candidate)
    return REPO.parent / "shared"  # absent: the callers below skip with a reason


SHARED = shared_dir()
SAMPLES = SHARED / "x12-samples"
ORACLE = SHARED / "x12-oracle"


def x12check() -> ModuleType:
    """The pyx12 oracle module (../shared/x12-oracle/x12check.py)."""
    if not (ORACLE / "x12check.py").is_file():
        pytest.skip("../shared/x12-oracle is absent (set RCM_SHARED_DIR)")
    if str(ORACLE) not in sys.path:
        sys.path.insert(0, str(ORACLE))
    return importlib.import_module("x12check")  # it lives outside the repository
