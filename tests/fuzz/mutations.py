"""A small, seeded X12 mutator: the ways real files arrive broken (cut off, bit-rotted,
written with other separators, with wrong counts, with a runaway element, or not X12 at
all). Deterministic for a seed, so a failure found in CI is found again on a laptop."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator

Mutation = Callable[[bytes, random.Random], bytes]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(0, max(1, len(data)))]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def wrong_separators(data: bytes, rng: random.Random) -> bytes:
    """The body written with another element separator or terminator than its ISA says,
    or the ISA's own declaration changed."""
    if len(data) < 106:
        return data[::-1]
    element, terminator = data[3:4], data[105:106]
    other = rng.choice([b"|", b"^", b"~", b"*", b":", b"\n"])
    choice = rng.randrange(3)
    if choice == 0:
        return data[:106] + data[106:].replace(element, other)
    if choice == 1:
        return data[:106] + data[106:].replace(terminator, other)
    return data[:3] + other + data[4:]


def bad_se_count(data: bytes, rng: random.Random) -> bytes:
    def change(m: re.Match[bytes]) -> bytes:
        count = int(m.group(2)) + rng.choice([-3, -1, 1, 7, 1000])
        return m.group(1) + str(max(count, 0)).encode()

    return re.sub(rb"(SE.)(\d+)", change, data, count=1)


def huge_element(data: bytes, rng: random.Random) -> bytes:
    """One element of the body grows to 50,000-300,000 characters."""
    if len(data) < 106:
        return data + b"A" * 100_000
    element = data[3:4]
    spots = [m.start() for m in re.finditer(re.escape(element), data[106:])]
    at = 106 + rng.choice(spots) + 1 if spots else len(data) // 2
    return data[:at] + b"9" * rng.randint(50_000, 300_000) + data[at:]


def binary_garbage(data: bytes, rng: random.Random) -> bytes:
    garbage = rng.randbytes(rng.randint(1, 4096))
    return garbage if rng.random() < 0.5 else data[:200] + garbage + data[200:]


def empty(data: bytes, rng: random.Random) -> bytes:
    return b""


MUTATIONS: dict[str, Mutation] = {
    "truncation": truncate,
    "byte flips": flip_bytes,
    "wrong separators": wrong_separators,
    "bad SE count": bad_se_count,
    "huge element": huge_element,
    "binary garbage": binary_garbage,
    "empty body": empty,
}


def mutants(seeds: list[bytes], per_seed: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """(mutation name, mutated bytes), per_seed of each mutation for every seed file (the
    empty body once: it is the same every time)."""
    rng = random.Random(seed)
    yield "empty body", b""
    for data in seeds:
        for name, mutate in MUTATIONS.items():
            if name == "empty body":
                continue
            for _ in range(per_seed):
                yield name, mutate(data, rng)
