"""Outbox relay: publishes committed outbox rows to Kafka in commit order, then marks them.

One relay per service database publishes at a time (a PostgreSQL advisory lock held on a
dedicated connection), so rows for one key leave in order even when several replicas run;
the others wait as hot standbys. Rows are claimed with FOR UPDATE SKIP LOCKED so that the
CDC-style ownership stays row-based. A crash after publishing and before marking republishes
the same events (same ids): consumers' inboxes absorb the duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from rcm_shared.messaging.kafka import CONTENT_TYPE_HEADER, make_producer
from rcm_shared.messaging.outbox import NOTIFY_CHANNEL
from rcm_shared.messaging.tables import outbox
from rcm_shared.observability import EVENTS_PUBLISHED, OUTBOX_LAG, OUTBOX_OLDEST

log = logging.getLogger("rcm.relay")

RELAY_LOCK_KEY = 7_412_002
SENT_RETENTION = "7 days"


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        service: str,
        bootstrap: str,
        topic_prefix: str = "",
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        producer_factory: Callable[[str, str], AIOKafkaProducer] = make_producer,
    ) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.service = service
        self.bootstrap = bootstrap
        self.topic_prefix = topic_prefix
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.producer_factory = producer_factory
        self._producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()
        self.is_leader = False
        self.published = 0

    # ---------------------------------------------------------------- lifecycle

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: take leadership, pump, and start over after any failure."""
        backoff = 0.5
        while not stop.is_set():
            try:
                async with self._leadership(stop) as leader:
                    if not leader:
                        break
                    backoff = 0.5
                    await self._pump(stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "relay failed; restarting",
                    extra={"exc_type": type(exc).__name__, "error": str(exc)[:300]},
                )
                await self._drop_producer()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 10.0)
        await self._drop_producer()

    @contextlib.asynccontextmanager
    async def _leadership(self, stop: asyncio.Event) -> AsyncIterator[bool]:
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            pg: Any = raw.driver_connection
            while not stop.is_set():
                if await pg.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 2.0)
            if stop.is_set():
                yield False
                return

            def on_notify(*_: object) -> None:
                self._wake.set()

            await pg.add_listener(NOTIFY_CHANNEL, on_notify)
            self.is_leader = True
            log.info("relay is leader")
            try:
                yield True
            finally:
                self.is_leader = False
                with contextlib.suppress(Exception):
                    await pg.remove_listener(NOTIFY_CHANNEL, on_notify)
                    await pg.execute("SELECT pg_advisory_unlock($1)", RELAY_LOCK_KEY)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self.producer_factory(self.bootstrap, f"{self.service}-relay")
            await producer.start()
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        # A producer that hit a fatal error (fenced, out-of-order sequence) is unusable:
        # a new one gets a new producer id and starts clean.
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()

    # ---------------------------------------------------------------- work

    async def _pump(self, stop: asyncio.Event) -> None:
        last_housekeeping = 0.0
        while not stop.is_set():
            self._wake.clear()
            sent = await self.publish_batch()
            now = time.monotonic()
            if now - last_housekeeping > 5:
                await self._housekeeping()
                last_housekeeping = now
            if sent >= self.batch_size:
                continue
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait(
                    {waiter, stopper},
                    timeout=self.poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                waiter.cancel()
                stopper.cancel()

    async def publish_batch(self) -> int:
        producer = await self._ensure_producer()
        claimed: list[int] = []
        try:
            async with self.sessions() as session, session.begin():
                rows = (
                    await session.execute(
                        select(
                            outbox.c.seq,
                            outbox.c.aggregatetype,
                            outbox.c.aggregateid,
                            outbox.c.type,
                            outbox.c.payload,
                        )
                        .where(outbox.c.sent_at.is_(None))
                        .order_by(outbox.c.seq)
                        .limit(self.batch_size)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                if not rows:
                    return 0
                claimed = [r.seq for r in rows]
                futures = [
                    await producer.send(
                        self.topic_prefix + row.aggregatetype,
                        value=json.dumps(row.payload, separators=(",", ":")).encode(),
                        key=row.aggregateid.encode(),
                        headers=[
                            CONTENT_TYPE_HEADER,
                            ("ce_type", row.type.encode()),
                            ("ce_id", str(row.payload["id"]).encode()),
                        ],
                    )
                    for row in rows
                ]
                await asyncio.gather(*futures)
                await session.execute(
                    update(outbox).where(outbox.c.seq.in_(claimed)).values(sent_at=func.now())
                )
        except Exception as exc:
            if claimed:
                await self._record_failure(claimed, exc)
            raise
        for row in rows:
            EVENTS_PUBLISHED.labels(self.service, row.type).inc()
        self.published += len(rows)
        return len(rows)

    async def _record_failure(self, seqs: list[int], exc: Exception) -> None:
        # After the claiming transaction rolled back (its row locks are gone).
        with contextlib.suppress(Exception):
            async with self.sessions() as note, note.begin():
                await note.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_(seqs))
                    .values(
                        attempts=outbox.c.attempts + 1,
                        last_error=f"{type(exc).__name__}: {str(exc)[:500]}",
                    )
                )

    async def _housekeeping(self) -> None:
        async with self.sessions() as session, session.begin():
            count, oldest = (
                await session.execute(
                    select(
                        func.count(),
                        func.extract("epoch", func.now() - func.min(outbox.c.created_at)),
                    ).where(outbox.c.sent_at.is_(None))
                )
            ).one()
            OUTBOX_LAG.labels(self.service).set(count)
            OUTBOX_OLDEST.labels(self.service).set(float(oldest or 0))
            await session.execute(
                delete(outbox).where(
                    outbox.c.sent_at < func.now() - text(f"interval '{SENT_RETENTION}'")
                )
            )
