"""A small seeded X12 mutator: the same seed and input give the same mutants on every run
(random.Random is for reproducible test data here, not for secrets)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator


def _separators(data: bytes) -> tuple[bytes, bytes]:
    """The element separator and segment terminator an ISA declares (or the usual ones)."""
    start = data.find(b"ISA")
    if start < 0 or len(data) < start + 106:
        return b"*", b"~"
    return data[start + 3 : start + 4], data[start + 105 : start + 106]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def byte_flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def wrong_element_separator(data: bytes, rng: random.Random) -> bytes:
    # after the ISA, so the declared separator no longer matches the body
    element, _ = _separators(data)
    return data[:106] + data[106:].replace(element, b"|" if element != b"|" else b"^")


def wrong_terminator(data: bytes, rng: random.Random) -> bytes:
    _, terminator = _separators(data)
    return data[:106] + data[106:].replace(terminator, b"\n" if terminator != b"\n" else b"!")


def bad_se_count(data: bytes, rng: random.Random) -> bytes:
    element, terminator = _separators(data)
    pattern = re.escape(terminator) + rb"\s*SE" + re.escape(element) + rb"(\d+)"
    delta = rng.choice((-3, -1, 1, 7))

    def wrong(m: re.Match[bytes]) -> bytes:
        return m.group(0)[: -len(m.group(1))] + str(int(m.group(1)) + delta).encode()

    return re.sub(pattern, wrong, data, count=1)


def huge_element(data: bytes, rng: random.Random) -> bytes:
    element, _ = _separators(data)
    seps = [m.start() for m in re.finditer(re.escape(element), data[106:])]
    i = 106 + rng.choice(seps) + 1 if seps else len(data)
    return data[:i] + b"9" * rng.choice((70_000, 1_000_000)) + data[i:]


def binary_garbage(data: bytes, rng: random.Random) -> bytes:
    return rng.randbytes(rng.choice((1, 100, 5000)))


def garbage_inside(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]


def unbalanced(data: bytes, rng: random.Random) -> bytes:
    """An 835 whose first CLP04 (paid) is off by a few dollars: it reads, it does not balance
    (other files pass through unchanged)."""
    element, terminator = _separators(data)
    e = re.escape(element)
    pattern = (
        re.escape(terminator) + rb"\s*CLP" + (e + rb"[^" + e + rb"]*") * 3 + e + rb"(-?[0-9.]+)"
    )

    def off(m: re.Match[bytes]) -> bytes:
        paid = float(m.group(1)) + rng.choice((1, 7, 250))
        return m.group(0)[: -len(m.group(1))] + f"{paid:.2f}".encode()

    return re.sub(pattern, off, data, count=1)


def empty(data: bytes, rng: random.Random) -> bytes:
    return rng.choice((b"", b"   \r\n"))


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    f.__name__: f
    for f in (
        truncate,
        byte_flip,
        wrong_element_separator,
        wrong_terminator,
        bad_se_count,
        huge_element,
        binary_garbage,
        garbage_inside,
        unbalanced,
        empty,
    )
}


def mutants(seeds: list[bytes], seed: int, per_kind: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)
    for kind, mutate in MUTATIONS.items():
        for i in range(1 if kind == "empty" else per_kind):
            yield kind, mutate(seeds[i % len(seeds)], rng)
