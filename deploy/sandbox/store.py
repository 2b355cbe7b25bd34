"""The sandbox's memory: one JSON document in its data folder, rewritten atomically.

The sandbox stands in for an external party, so it keeps its own files (no PostgreSQL,
no Kafka). A change is made in memory, then the whole document is written to a temporary
file, fsynced and renamed over the old one: a crash leaves either the old state or the new
one, never half of each. An exclusive lock on a lock file serialises processes (the
server and a `python -m deploy.sandbox run` started beside it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EMPTY: dict[str, Any] = {
    "version": 1,
    "control": 0,  # the last ISA13 the sandbox used
    "interchanges": {},  # "<tenant>/<sender>/<ISA13>" -> what it answered
    "claims": {},  # tenant -> CLM01 -> [ground truth of each submission]
    "pccn": {},  # tenant -> payer claim control number -> where its claim is
    "duplicates": {},  # tenant -> claim fingerprint -> payer claim control number
    "pending": [],  # claim payments and reversals waiting for the next 835
    "plb": [],  # provider-level adjustments waiting for the next 835 of their payee
    "outbox": [],  # files decided but not yet delivered
    "remittances": [],  # every 835 sent
}


def write_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one: a dot
    file beside it (mailbox readers skip those), fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.part"
    with open(temporary, "w", encoding=encoding, newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class Store:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "state.json"
        self._thread_lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self, write: bool = True) -> Iterator[dict[str, Any]]:
        """The state, locked; saved (when `write`) if the block ends without an exception."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self._load()
                yield state
                if write:
                    self.save(state)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def read(self) -> dict[str, Any]:
        with self.transaction(write=False) as state:
            return state

    def save(self, state: dict[str, Any]) -> None:
        write_atomic(self.path, json.dumps(state, indent=1, sort_keys=True))

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            fresh: dict[str, Any] = json.loads(json.dumps(EMPTY))
            return fresh
        state: dict[str, Any] = json.loads(self.path.read_text())
        for key, value in EMPTY.items():
            state.setdefault(key, json.loads(json.dumps(value)))
        return state
