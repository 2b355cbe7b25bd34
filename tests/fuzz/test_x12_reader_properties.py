"""Properties of the streaming X12 reader: how the input is chunked never changes the
segments read, and no byte string makes it raise anything but X12SyntaxError."""

from __future__ import annotations

import io
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcm_shared.testing.x12_data import sample_files
from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.reader import iter_segments

from .conftest import count

SEEDS = [p.read_bytes() for p in sample_files()]
PROPERTY = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def outcome(source: object) -> tuple[str, object]:
    """What reading gives: the segments (id, elements, number) or where it failed."""
    try:
        return "ok", [(s.id, list(s.elements), s.number) for s in iter_segments(source)]  # type: ignore[arg-type]
    except X12SyntaxError as exc:
        return "error", (exc.segment_number, exc.reason)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def mutated(seed: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(seed)
    for position, value in edits:
        if data:
            data[position % len(data)] = value
    return bytes(data)


inputs = st.one_of(
    st.binary(max_size=400),
    st.builds(
        mutated,
        st.sampled_from(SEEDS),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
    ),
    st.sampled_from(SEEDS).map(lambda b: b"ISA" + b[3:]),
)


@PROPERTY
@given(data=inputs, cuts=st.lists(st.integers(0, 10**6), max_size=12))
def test_any_chunking_reads_like_the_whole_input(data: bytes, cuts: list[int]) -> None:
    whole = outcome(data)
    chunked = outcome(iter(split(data, cuts)))
    count("x12-reader", "chunked == whole", tried=1, differ=int(chunked != whole))
    assert chunked == whole
    # the other source kinds the reader takes read the same too
    assert outcome(io.BytesIO(data)) == whole
    assert outcome(data.decode("latin-1")) == whole


@PROPERTY
@given(data=inputs)
def test_any_bytes_give_segments_or_a_located_syntax_error(data: bytes) -> None:
    try:
        segments = list(iter_segments(data))
    except X12SyntaxError as exc:
        count("x12-reader", "bytes -> segments | X12SyntaxError", tried=1, syntax_error=1)
        assert exc.segment_number >= 1
    else:
        count("x12-reader", "bytes -> segments | X12SyntaxError", tried=1, segments=1)
        assert all(s.id for s in segments)


@PROPERTY
@given(data=inputs, size=st.integers(1, 64))
def test_small_chunk_sizes_read_like_the_default(data: bytes, size: int) -> None:
    try:
        small = [(s.id, list(s.elements), s.number) for s in iter_segments(data, chunk_size=size)]
        small_outcome: tuple[str, object] = ("ok", small)
    except X12SyntaxError as exc:
        small_outcome = ("error", (exc.segment_number, exc.reason))
    assert small_outcome == outcome(data)
