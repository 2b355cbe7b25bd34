"""What the fuzzers tried and found, printed at the end of `make test` (conftest)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Count:
    tried: int = 0
    server_errors: int = 0
    unlocated: int = 0
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))


TALLY: dict[str, Count] = defaultdict(Count)


def lines() -> list[str]:
    out = []
    for name, c in sorted(TALLY.items()):
        statuses = " ".join(f"{s}:{n}" for s, n in sorted(c.statuses.items()))
        out.append(
            f"{name:<44} tried {c.tried:>5}  5xx {c.server_errors:>3}  "
            f"unlocated 4xx {c.unlocated:>3}  [{statuses}]"
        )
    return out
