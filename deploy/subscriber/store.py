"""Where the daily KPI table lives. Either way an event id counts once: delivery is at least
once, so the subscriber de-duplicates by CloudEvent id in the same step that counts it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from deploy.subscriber.kpis import day_of, increments

Table = dict[tuple[str, date], dict[str, Decimal]]

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS rcm_analytics;
CREATE TABLE IF NOT EXISTS rcm_analytics.seen_events (
    event_id text PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS rcm_analytics.daily_kpis (
    tenant_id text NOT NULL,
    day date NOT NULL,
    metric text NOT NULL,
    value numeric(14, 2) NOT NULL,
    PRIMARY KEY (tenant_id, day, metric)
);
"""


class Store(Protocol):
    async def apply(self, event: dict[str, Any]) -> bool: ...
    async def table(self) -> Table: ...


class MemoryStore:
    """Rebuilt from the topics' beginning at every start (offsets are not committed)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.rows: Table = defaultdict(lambda: defaultdict(Decimal))

    async def apply(self, event: dict[str, Any]) -> bool:
        if event["id"] in self.seen:
            return False
        self.seen.add(event["id"])
        for metric, amount in increments(event):
            self.rows[(event["tenantid"], day_of(event))][metric] += amount
        return True

    async def table(self) -> Table:
        return self.rows


class PostgresStore:
    """The team's own database (never a service's): the event id and its increments commit
    together, then the Kafka offset is committed, so a crash neither loses nor doubles."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, dsn: str) -> PostgresStore:
        import asyncpg  # only this mode needs it

        pool = await asyncpg.create_pool(dsn.replace("postgresql+asyncpg://", "postgresql://"))
        async with pool.acquire() as conn:
            await conn.execute(SCHEMA)
        return cls(pool)

    async def apply(self, event: dict[str, Any]) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            new = await conn.fetchval(
                "INSERT INTO rcm_analytics.seen_events (event_id) VALUES ($1) "
                "ON CONFLICT DO NOTHING RETURNING true",
                event["id"],
            )
            if not new:
                return False
            for metric, amount in increments(event):
                await conn.execute(
                    "INSERT INTO rcm_analytics.daily_kpis AS k VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (tenant_id, day, metric) DO UPDATE SET value = k.value + $4",
                    event["tenantid"],
                    day_of(event),
                    metric,
                    amount,
                )
            return True

    async def table(self) -> Table:
        rows: Table = defaultdict(lambda: defaultdict(Decimal))
        async with self.pool.acquire() as conn:
            for r in await conn.fetch("SELECT * FROM rcm_analytics.daily_kpis"):
                rows[(r["tenant_id"], r["day"])][r["metric"]] = r["value"]
        return rows

    async def close(self) -> None:
        await self.pool.close()
