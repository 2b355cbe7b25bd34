"""Keyset (cursor) pagination: a cursor names the last row seen by (created_at, id), so a
page never skips or repeats rows when new ones arrive between requests."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from rcm_shared.errors import InvalidInput


def encode_cursor(created_at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), row_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "bad cursor", [{"path": "query.cursor", "message": "not a cursor from this API"}]
        ) from exc


class _Keyed(Protocol):
    created_at: datetime
    id: str


K = TypeVar("K", bound=_Keyed)


def page_of(rows: Sequence[K], limit: int) -> tuple[Sequence[K], str | None]:
    """A repository returns up to `limit + 1` rows, newest first: the page, and the cursor
    of the next one when that extra row exists."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
