"""Idempotency-Key for POSTs that create: the same key and body return the first result;
the same key with another body is a 409. The key is locked for the length of the
transaction, so two concurrent retries cannot both create. Every service that takes the
header keeps the `idempotency_keys` table (`create_table_v1` in its migration)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_shared.db import new_metadata
from rcm_shared.errors import Conflict

metadata = new_metadata()

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", postgresql.JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)


def create_table_v1() -> None:
    """Migration step (frozen: a later change adds a v2)."""
    from alembic import op  # noqa: PLC0415 - only migrations import alembic

    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", postgresql.JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key", name="pk_idempotency_keys"),
    )


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
    """(status, response) of `run`, or of its first run under this key."""
    if key is None:
        return await run()
    await session.execute(
        sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
        {"k": f"{tenant_id}|{key}"},
    )
    digest = request_hash(body)
    table = idempotency_keys
    seen = (
        await session.execute(
            sa.select(table.c.request_hash, table.c.status_code, table.c.response).where(
                table.c.tenant_id == tenant_id, table.c.key == key
            )
        )
    ).first()
    if seen is not None:
        if seen.request_hash != digest:
            raise Conflict(
                "this Idempotency-Key was used with another request body",
                [{"path": "header.idempotency-key"}],
            )
        return seen.status_code, seen.response
    status, response = await run()
    await session.execute(
        sa.insert(table).values(
            tenant_id=tenant_id,
            key=key,
            request_hash=digest,
            status_code=status,
            response=response,
        )
    )
    return status, response
