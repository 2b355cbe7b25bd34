"""Idempotent consumer runner.

Per message, in one database transaction: insert (consumer group, event id) into the inbox,
stop there if it was already present, else run the handler. The Kafka offset is committed
only after the database commit, so a crash anywhere redelivers and the inbox absorbs it.
A handler that keeps failing is retried with backoff, then its message goes to the DLQ
with the reason in its headers and the consumer moves on.

Batch mode (opt-in, per event type): a type registered with a batch handler gets every event
of its type in one partition batch (getmany) at once, inside ONE transaction that also
inserts all their inbox rows in one statement; redelivered events are filtered out before
the handler sees them. If anything in that transaction fails, it rolls back and the batch is
handled again one event at a time by the path above, so a poison message still ends alone
on the DLQ. The partition batches of one fetch run side by side (at most BATCH_CONCURRENCY,
each in its own transaction, with cyclic garbage collection paused until all are done), and
their offsets are committed together afterwards. Runners without batch handlers never take
this path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from itertools import groupby

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from pydantic import ValidationError
from sqlalchemy import String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging.dlq import DescribedError, describe_error, dlq_headers, dlq_topic
from rcm_shared.messaging.kafka import make_consumer, make_producer
from rcm_shared.messaging.tables import inbox
from rcm_shared.observability import EVENTS_CONSUMED, correlation_id_var
from rcm_shared.workers import cyclic_gc_paused

log = logging.getLogger("rcm.consumer")

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[CloudEvent]], Awaitable[None]]


class PermanentError(DescribedError):
    """Raised by a handler when retrying cannot help (bad payload, unknown tenant).
    Its message goes into the DLQ header: identifiers only, never PHI."""


NOT_RETRYABLE = (PermanentError, ValidationError)

# Records per fetch in batch mode: a transaction's fixed costs (round trips, commit) are
# spread over more events. Per partition, max_partition_fetch_bytes still bounds a fetch.
BATCH_MAX_RECORDS = 2000
# Partition batches in flight at once: enough to overlap Python work with database waits,
# few enough to leave the pool's connections to the API (a runner may own many partitions).
BATCH_CONCURRENCY = 4


class ConsumerRunner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        service: str,
        group: str,
        topics: list[str],
        handlers: Mapping[str, Handler],
        bootstrap: str,
        prefix: str = "",
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        producer_factory: Callable[[str, str], AIOKafkaProducer] = make_producer,
        batch_handlers: Mapping[str, BatchHandler] | None = None,
    ) -> None:
        self.sessions = sessions
        self.service = service
        self.group = group  # logical name: names the DLQ
        self.group_id = prefix + group  # the Kafka consumer group
        self.topics = [prefix + t for t in topics]
        self.handlers = dict(handlers)
        self.batch_handlers = dict(batch_handlers or {})
        for event_type, batch_handler in self.batch_handlers.items():
            # the one-by-one fallback needs a handler for a single event of the type
            self.handlers.setdefault(event_type, _single(batch_handler))
        self.bootstrap = bootstrap
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.producer_factory = producer_factory
        self._dlq: AIOKafkaProducer | None = None
        self.assigned = asyncio.Event()
        self.processed = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.batches = 0  # partition batches handled in one transaction
        self.batch_fallbacks = 0  # ... that failed and went one by one

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._consume(stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer failed; restarting",
                    extra={"group": self.group_id, "exc_type": type(exc).__name__},
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 2.0)

    async def _consume(self, stop: asyncio.Event) -> None:
        consumer = make_consumer(self.bootstrap, self.group_id, self.topics)
        await consumer.start()
        self._dlq = self.producer_factory(self.bootstrap, f"{self.group_id}-dlq")
        await self._dlq.start()
        try:
            while not stop.is_set():
                if consumer.assignment():
                    self.assigned.set()
                if self.batch_handlers:
                    await self._consume_batches(consumer)
                    continue
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                for tp, messages in batch.items():
                    for msg in messages:
                        await self.handle(msg)
                    await self._commit(consumer, {tp: messages[-1].offset + 1})
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()
            dlq, self._dlq = self._dlq, None
            with contextlib.suppress(Exception):
                await dlq.stop()

    async def _consume_batches(self, consumer: AIOKafkaConsumer) -> None:
        batch = await consumer.getmany(timeout_ms=500, max_records=BATCH_MAX_RECORDS)
        if not batch:
            return
        # Partitions are independent (order only holds within one), so their batches run
        # side by side, each in its own transaction: one's database round trips overlap
        # another's Python work. Two that touch the same row (a corrected claim's payment
        # on another partition) wait on its lock; if they collide anyway (deadlock, unique
        # key), the loser falls back to one by one, where retries settle it.
        slots = asyncio.Semaphore(BATCH_CONCURRENCY)

        async def one(messages: list[ConsumerRecord[bytes, bytes]]) -> None:
            async with slots:
                await self.handle_batch(messages)

        with cyclic_gc_paused():
            async with asyncio.TaskGroup() as group:
                for messages in batch.values():
                    group.create_task(one(messages))
        await self._commit(consumer, {tp: msgs[-1].offset + 1 for tp, msgs in batch.items()})

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partition: its next owner redelivers, and the inbox
            # turns the redelivery into a no-op.
            log.warning(
                "offset commit failed",
                extra={"group": self.group_id, "exc_type": type(exc).__name__},
            )

    async def handle(self, msg: ConsumerRecord[bytes, bytes]) -> str:
        """Process one record; returns the outcome (processed, duplicate, ignored, dlq)."""
        try:
            event = CloudEvent.from_bytes(msg.value or b"")
        except ValidationError as exc:
            await self._dead_letter(msg, describe_error(exc), 1)
            return self._count("unparseable", "dlq")
        handler = self.handlers.get(event.type)
        if handler is None:
            return self._count(event.type, "ignored")
        token = correlation_id_var.set(event.correlationid)
        try:
            return await self._handle_event(msg, event, handler)
        finally:
            correlation_id_var.reset(token)

    async def handle_batch(self, messages: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """All records of one partition batch in one transaction when one of them has a
        batch handler; otherwise, or if the transaction fails, one by one."""
        parsed: list[CloudEvent] = []
        for msg in messages:
            try:
                parsed.append(CloudEvent.from_bytes(msg.value or b""))
            except ValidationError:
                await self._one_by_one(messages)  # the unparseable one goes to the DLQ there
                return
        if not any(e.type in self.batch_handlers for e in parsed):
            await self._one_by_one(messages)
            return
        handled = [e for e in parsed if e.type in self.handlers]
        try:
            async with self.sessions() as session, session.begin():
                fresh = await self._claim_inbox(session, handled)
                for event_type, run in groupby(fresh, key=lambda e: e.type):
                    events = list(run)  # consecutive events of one type, in offset order
                    batch_handler = self.batch_handlers.get(event_type)
                    if batch_handler is not None:
                        await batch_handler(session, events)
                    else:
                        for event in events:
                            await self.handlers[event_type](session, event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.batch_fallbacks += 1
            log.info(
                "batch failed; handling its events one by one",
                extra={
                    "group": self.group_id,
                    "size": len(messages),
                    "exc_type": type(exc).__name__,
                },
            )
            await self._one_by_one(messages)
            return
        self.batches += 1
        self.processed += len(fresh)
        self._count_batch(parsed, {e.id for e in fresh})

    def _count_batch(self, parsed: Sequence[CloudEvent], fresh_ids: set[str]) -> None:
        for event in parsed:
            if event.type not in self.handlers:
                self._count(event.type, "ignored")
            elif event.id in fresh_ids:
                fresh_ids.discard(event.id)
                self._count(event.type, "processed")
            else:
                self.duplicates += 1
                self._count(event.type, "duplicate")

    async def _claim_inbox(
        self, session: AsyncSession, events: Sequence[CloudEvent]
    ) -> list[CloudEvent]:
        """Inbox rows for all `events` in one statement; returns those not seen before, in
        order, each id once."""
        if not events:
            return []
        # One fixed statement over arrays: it is compiled and prepared once, however many
        # events a batch has (a VALUES list is a new statement per batch size, and compiling
        # it cost more than the handler's own work).
        inserted = await session.execute(
            _CLAIM_INBOX,
            {
                "group": self.group_id,
                "ids": [e.id for e in events],
                "types": [e.type for e in events],
                "tenants": [e.tenantid for e in events],
            },
        )
        new_ids = {row[0] for row in inserted.all()}
        fresh = []
        for event in events:
            if event.id in new_ids:
                new_ids.discard(event.id)  # the same event twice in one batch acts once
                fresh.append(event)
        return fresh

    async def _one_by_one(self, messages: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        for msg in messages:
            await self.handle(msg)

    async def _handle_event(
        self, msg: ConsumerRecord[bytes, bytes], event: CloudEvent, handler: Handler
    ) -> str:
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.sessions() as session, session.begin():
                    inserted = await session.execute(
                        insert(inbox)
                        .values(
                            consumer_group=self.group_id,
                            event_id=event.id,
                            event_type=event.type,
                            tenant_id=event.tenantid,
                        )
                        .on_conflict_do_nothing()
                        .returning(inbox.c.event_id)
                    )
                    if inserted.first() is None:
                        self.duplicates += 1
                        return self._count(event.type, "duplicate")
                    await handler(session, event)
                self.processed += 1
                return self._count(event.type, "processed")
            except NOT_RETRYABLE as exc:
                await self._dead_letter(msg, describe_error(exc), attempt)
                return self._count(event.type, "dlq")
            except Exception as exc:
                if attempt >= self.max_attempts:
                    await self._dead_letter(msg, describe_error(exc), attempt)
                    return self._count(event.type, "dlq")
                log.info(
                    "handler failed; retrying",
                    extra={
                        "group": self.group_id,
                        "event_id": event.id,
                        "event_type": event.type,
                        "attempt": attempt,
                        "exc_type": type(exc).__name__,
                    },
                )
                await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))

    async def _dead_letter(
        self, msg: ConsumerRecord[bytes, bytes], error: str, attempts: int
    ) -> None:
        assert self._dlq is not None, "dead-letter producer not started"
        target = dlq_topic(msg.topic, self.group)
        await self._dlq.send_and_wait(
            target,
            value=msg.value,
            key=msg.key,
            headers=dlq_headers(msg, self.group, error, attempts),
        )
        self.dead_lettered += 1
        log.warning(
            "message dead-lettered",
            extra={
                "group": self.group_id,
                "dlq": target,
                "partition": msg.partition,
                "offset": msg.offset,
                "reason": error[:200],
            },
        )

    def _count(self, event_type: str, outcome: str) -> str:
        EVENTS_CONSUMED.labels(self.service, self.group_id, event_type, outcome).inc()
        return outcome


_CLAIM_INBOX = text(
    "INSERT INTO inbox (consumer_group, event_id, event_type, tenant_id) "
    "SELECT :group, * FROM unnest(CAST(:ids AS varchar[]), CAST(:types AS varchar[]), "
    "CAST(:tenants AS varchar[])) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
).bindparams(
    bindparam("ids", type_=ARRAY(String)),
    bindparam("types", type_=ARRAY(String)),
    bindparam("tenants", type_=ARRAY(String)),
)


def _single(batch_handler: BatchHandler) -> Handler:
    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        await batch_handler(session, [event])

    return handler
