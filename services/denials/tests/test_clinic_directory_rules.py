"""The denials copy of a clinic only moves forward in version."""

from __future__ import annotations

import pytest

from rcm_denials.domain.clinic_directory import should_apply


@pytest.mark.parametrize(
    ("stored", "incoming", "applies"),
    [
        (None, 1, True),  # first event for the clinic
        (1, 2, True),  # the next change
        (2, 5, True),  # a gap (missed events) still moves forward
        (3, 3, False),  # a replay of the event already applied
        (4, 2, False),  # a stale event arriving late
    ],
)
def test_should_apply(stored: int | None, incoming: int, applies: bool) -> None:
    assert should_apply(stored, incoming) is applies
