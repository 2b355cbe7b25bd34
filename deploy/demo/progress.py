"""Plain-text progress bars: one line redrawn in place on a terminal, a single summary line
otherwise (CI logs, pipes). No dependency."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Bar:
    def __init__(self, label: str, stream: TextIO, live: bool) -> None:
        self.label, self.stream, self.live = label, stream, live
        self.started = time.monotonic()
        self.done = self.total = 0

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.live:
            self.stream.write("\r" + self._line())
            self.stream.flush()

    def close(self, failed: bool = False) -> None:
        end = " FAILED" if failed else ""
        self.stream.write(("\r" if self.live else "") + self._line() + end + "\n")
        self.stream.flush()

    def _line(self) -> str:
        share = self.done / self.total if self.total else 0.0
        filled = int(WIDTH * min(share, 1.0))
        elapsed = time.monotonic() - self.started
        return (
            f"   {self.label:<36} [{'#' * filled}{'.' * (WIDTH - filled)}] "
            f"{self.done}/{self.total} {elapsed:5.1f}s"
        )


class Progress:
    def __init__(self, stream: TextIO = sys.stdout) -> None:
        self.stream = stream
        self.live = stream.isatty()

    def bar(self, label: str) -> Bar:
        return Bar(label, self.stream, self.live)


class _Silent(Bar):
    def update(self, done: int, total: int) -> None:
        pass

    def close(self, failed: bool = False) -> None:
        pass


class Quiet(Progress):
    """No output (the end-to-end test)."""

    def bar(self, label: str) -> Bar:
        return _Silent(label, self.stream, False)
