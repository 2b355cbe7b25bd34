"""python -m deploy.subscriber [--feed] [--database-url URL] [--tenant T] [--idle SECONDS]

An analytics consumer of the public events: its own consumer group on rcm.claims,
rcm.remittance and rcm.denials, from the beginning; prints a live feed of claim states
(--feed) and a daily KPI table per tenant. With --database-url it keeps the table in that
PostgreSQL database (schema rcm_analytics) and commits its offsets; without, it keeps it in
memory and reads the topics again at every start. --idle N stops after N quiet seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiokafka import AIOKafkaConsumer

from deploy.subscriber.kpis import METRICS, TOPICS, feed_line
from deploy.subscriber.store import MemoryStore, PostgresStore, Store, Table


def render(table: Table, tenant: str | None, emit: Callable[[str], None] = print) -> None:
    short = {m: m.replace("claims_", "").replace("_amount", "$")[:9] for m in METRICS}
    emit(f"{'tenant':<18} {'day':<10} " + " ".join(f"{short[m]:>9}" for m in METRICS))
    for (tenant_id, day), row in sorted(table.items()):
        if tenant is None or tenant_id == tenant:
            cells = " ".join(f"{row.get(m, Decimal(0)):>9,.0f}" for m in METRICS)
            emit(f"{tenant_id[:18]:<18} {day.isoformat():<10} {cells}")


async def consume(
    store: Store,
    bootstrap: str,
    prefix: str = "",
    group: str = "analytics-example",
    commit: bool = False,
    idle: float | None = None,
    tenant: str | None = None,
    feed: Callable[[str], None] | None = None,
) -> int:
    """Reads until stopped (or `idle` quiet seconds); returns how many events counted."""
    consumer = AIOKafkaConsumer(
        *(prefix + t for t in TOPICS),
        bootstrap_servers=bootstrap,
        group_id=prefix + group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    counted, quiet_since = 0, time.monotonic()
    try:
        while idle is None or time.monotonic() - quiet_since < idle:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():
                quiet_since = time.monotonic()
                for record in records:
                    event: dict[str, Any] = json.loads(record.value)
                    if tenant is not None and event.get("tenantid") != tenant:
                        continue
                    if await store.apply(event):
                        counted += 1
                        line = feed_line(event)
                        if feed is not None and line is not None:
                            feed(line)
            if commit and batches:
                await consumer.commit()  # after the store committed: at least once
    finally:
        await consumer.stop()
    return counted


async def main(args: argparse.Namespace) -> None:
    store: Store = (
        await PostgresStore.connect(args.database_url) if args.database_url else MemoryStore()
    )
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await consume(
                store,
                args.bootstrap,
                args.prefix,
                args.group,
                commit=bool(args.database_url),
                idle=args.idle,
                tenant=args.tenant,
                feed=print if args.feed else None,
            )
    finally:
        render(await store.table(), args.tenant)
        if isinstance(store, PostgresStore):
            await store.close()


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.subscriber", description=__doc__)
    parser.add_argument(
        "--bootstrap", default=os.environ.get("RCM_KAFKA_BOOTSTRAP", "127.0.0.1:59092")
    )
    parser.add_argument("--prefix", default="", help="topic/group prefix (tests use one)")
    parser.add_argument("--group", default="analytics-example")
    parser.add_argument("--database-url", default=os.environ.get("RCM_ANALYTICS_DATABASE_URL"))
    parser.add_argument("--tenant")
    parser.add_argument("--feed", action="store_true", help="print each claim state change")
    parser.add_argument("--idle", type=float, help="stop after this many quiet seconds")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
