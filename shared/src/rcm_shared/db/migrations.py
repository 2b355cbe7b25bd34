"""Alembic glue shared by every service: an async env.py body and upgrade-at-start."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# Any constant works; it only has to be the same for every process of one service.
MIGRATION_LOCK_KEY = 7_412_001


def _do_run(connection: Connection, metadata: list[MetaData]) -> None:
    # Serialise concurrent starts of the same service (several replicas, API + worker).
    connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
    try:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
        connection.commit()


async def _run_async(url: str, metadata: list[MetaData]) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_do_run, metadata)
    finally:
        await engine.dispose()


def run_env(*metadata: MetaData) -> None:
    """The whole body of a service's migrations/env.py."""
    cfg = context.config
    url = cfg.attributes.get("url") or cfg.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to Alembic")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=list(metadata), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, list(metadata)))


def alembic_config(service_dir: Path, url: str) -> Config:
    cfg = Config(str(service_dir / "alembic.ini"))
    cfg.set_main_option("script_location", str(service_dir / "migrations"))
    cfg.attributes["url"] = url
    return cfg


async def upgrade_to_head(service_dir: Path, url: str) -> None:
    """Applied at start. Alembic's env runs its own event loop, so it gets a thread."""
    await asyncio.to_thread(command.upgrade, alembic_config(service_dir, url), "head")


# Planner statistics: a tenant holds a tenth of a table (see plan_for_big_tenants).
TENANT_SHARE = 10


def plan_for_big_tenants(execute: Callable[[str], object], tables: Sequence[str]) -> None:
    """Every service runs generic plans (rcm_shared.db), made once for any tenant. With
    many small tenants in the statistics, "tenant_id = $1" looks like a few rows, and a
    lookup by (tenant, key) is planned as a scan of the tenant filtered by key: cheap for
    the average tenant, a millisecond per row looked up for the biggest one (measured on
    claims). Telling the planner a tenant is a tenth of the table makes the key lookup the
    cheaper plan for every tenant. `execute` is alembic's op.execute."""
    for table in tables:
        execute(f"ALTER TABLE {table} ALTER COLUMN tenant_id SET (n_distinct = {TENANT_SHARE})")
        execute(f"ANALYZE {table}")


def plan_for_average_tenants(execute: Callable[[str], object], tables: Sequence[str]) -> None:
    """The downgrade of plan_for_big_tenants."""
    for table in tables:
        execute(f"ALTER TABLE {table} ALTER COLUMN tenant_id RESET (n_distinct)")
