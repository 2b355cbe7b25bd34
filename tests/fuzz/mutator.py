"""A small seeded X12 mutator: the same seed and input give the same mutants on every run."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

KINDS = (
    "truncate",
    "byte_flip",
    "wrong_element_separator",
    "wrong_terminator",
    "bad_se_count",
    "huge_element",
    "binary_garbage",
    "garbage_tail",
    "empty",
)


def _separators(data: bytes) -> tuple[bytes, bytes]:
    """The element separator and segment terminator an ISA declares (or the usual ones)."""
    start = data.find(b"ISA")
    if start < 0 or len(data) < start + 106:
        return b"*", b"~"
    return data[start + 3 : start + 4], data[start + 105 : start + 106]


def mutate(data: bytes, kind: str, rng: random.Random) -> bytes:
    element, terminator = _separators(data)
    if kind == "truncate":
        return data[: rng.randrange(1, max(2, len(data)))]
    if kind == "byte_flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
        return bytes(out)
    if kind == "wrong_element_separator":
        # after the ISA, so the declared separators no longer match the body
        other = b"|" if element != b"|" else b"^"
        return data[:106] + data[106:].replace(element, other)
    if kind == "wrong_terminator":
        other = b"\n" if terminator != b"\n" else b"!"
        return data[:106] + data[106:].replace(terminator, other)
    if kind == "bad_se_count":
        pattern = re.escape(terminator) + rb"\s*SE" + re.escape(element) + rb"(\d+)"
        return re.sub(
            pattern,
            lambda m: m.group(0)[: -len(m.group(1))] + str(int(m.group(1)) + rng.choice((-3, -1, 1, 7))).encode(),
            data,
            count=1,
        )
    if kind == "huge_element":
        seps = [m.start() for m in re.finditer(re.escape(element), data[106:])]
        i = 106 + rng.choice(seps) + 1 if seps else len(data)
        return data[:i] + b"9" * rng.choice((70_000, 1_000_000)) + data[i:]
    if kind == "binary_garbage":
        return rng.randbytes(rng.choice((1, 100, 5000)))
    if kind == "garbage_tail":
        i = rng.randrange(len(data))
        return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]
    if kind == "empty":
        return rng.choice((b"", b"   \r\n"))
    raise ValueError(kind)


def mutants(seeds: list[bytes], seed: int, per_kind: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)
    for kind in KINDS:
        for i in range(1 if kind == "empty" else per_kind):
            yield kind, mutate(seeds[i % len(seeds)], kind, rng)
