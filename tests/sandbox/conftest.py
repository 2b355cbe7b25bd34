"""The sandbox lives in deploy/ (run as `python -m deploy.sandbox` from the repository
root); pytest's importlib mode does not put the root on sys.path, so these tests do."""

from __future__ import annotations

import sys

from rcm_shared.testing.fixtures import REPO

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
