"""Async engine, sessions, declarative base with naming convention, tenant mixin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, String, func
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapped, mapped_column

# Stable constraint names, so Alembic migrations can drop and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class TenantMixin:
    """Every row names its tenant; every query in a repository filters by it."""

    tenant_id: Mapped[str] = mapped_column(String(64), index=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


def make_engine(url: str, pool_size: int = 10, application_name: str = "rcm") -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it is a round trip on every checkout. A connection that died with
        # the server is invalidated on its first error, and pool_recycle bounds its age.
        pool_recycle=1800,
        connect_args={
            "server_settings": {
                "application_name": application_name,
                # Plans must not depend on which tenant asks. A custom plan trusts the
                # statistics for the tenant's id; a tenant that grew since the last
                # ANALYZE (a new clinic's first import) looks empty, so a lookup by unique
                # key scans the whole tenant instead (claim intake: 6.7 ms a statement
                # instead of 0.2). Generic plans cost every tenant alike, and are not
                # planned again on every execution.
                "plan_cache_mode": "force_generic_plan",
            }
        },
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """Infrastructure owns the transaction: commit on success, roll back on any error."""
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled asyncpg connection without a Session or Connection around it, for a hot
    path of raw statements (group-committed claim intake), where the ORM's session,
    transaction and flush bookkeeping cost more than the statements' own Python work.
    No transaction is opened: each statement is atomic on its own unless the caller
    opens one on the connection."""
    pooled = await engine.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        pooled.close()  # back to the pool
