"""Which clinic event wins: the copy only moves forward in version, so a stale or replayed
event never overwrites newer details."""

from __future__ import annotations


def should_apply(stored_version: int | None, incoming_version: int) -> bool:
    return stored_version is None or incoming_version > stored_version
