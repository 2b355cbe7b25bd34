"""Idempotency-Key: the same key and body returns the first result; the same key with
another body is a 409. The key is locked for the length of the transaction, so two
concurrent retries cannot both create."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.repository import IdempotencyRepository
from rcm_shared.errors import Conflict


def request_hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def once(
    session: AsyncSession,
    tenant_id: str,
    key: str | None,
    body: Any,
    run: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> tuple[int, dict[str, Any]]:
    if key is None:
        return await run()
    repo = IdempotencyRepository(session, tenant_id)
    await repo.lock(key)
    digest = request_hash(body)
    seen = await repo.get(key)
    if seen is not None:
        if seen.request_hash != digest:
            raise Conflict(
                "this Idempotency-Key was used with another request body",
                [{"path": "header.idempotency-key"}],
            )
        return seen.status_code, seen.response
    status, response = await run()
    await repo.save(key, digest, status, response)
    return status, response
