"""Dead-letter topics: `<topic>.<group>.dlq`, and putting their messages back."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from rcm_shared.errors import RcmError
from rcm_shared.messaging.kafka import make_producer

log = logging.getLogger("rcm.dlq")

H_TOPIC = "dlq-source-topic"
H_PARTITION = "dlq-source-partition"
H_OFFSET = "dlq-source-offset"
H_GROUP = "dlq-group"
H_ERROR = "dlq-error"
H_ATTEMPTS = "dlq-attempts"
H_FAILED_AT = "dlq-failed-at"
H_REPLAYED = "rcm-replayed-from"
DLQ_HEADERS = {H_TOPIC, H_PARTITION, H_OFFSET, H_GROUP, H_ERROR, H_ATTEMPTS, H_FAILED_AT}


def dlq_topic(source_topic: str, group: str) -> str:
    return f"{source_topic}.{group}.dlq"


class DescribedError(Exception):
    """Base for errors whose message is written to carry no PHI, so it may travel in a
    DLQ header. Handlers raise subclasses of it (or of RcmError) for known failures."""


SAFE_MESSAGES: tuple[type[BaseException], ...] = (DescribedError, RcmError)


def describe_error(exc: BaseException) -> str:
    """A reason fit for a Kafka header: no row values, so no PHI."""
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors(include_input=False, include_url=False)
        ]
        return f"ValidationError: {'; '.join(parts)}"[:500]
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", "")
        return f"{type(exc).__name__} (sqlstate {code})"
    if isinstance(exc, SAFE_MESSAGES):
        return f"{type(exc).__name__}: {str(exc)[:400]}"
    # Any other exception's text may quote a row value: its type only; the stack is logged.
    return type(exc).__name__


def dlq_headers(
    msg: ConsumerRecord[bytes, bytes], group: str, error: str, attempts: int
) -> list[tuple[str, bytes]]:
    original = [(k, v) for k, v in (msg.headers or ()) if k not in DLQ_HEADERS]
    return [
        *original,
        (H_TOPIC, msg.topic.encode()),
        (H_PARTITION, str(msg.partition).encode()),
        (H_OFFSET, str(msg.offset).encode()),
        (H_GROUP, group.encode()),
        (H_ERROR, error.encode()),
        (H_ATTEMPTS, str(attempts).encode()),
        (H_FAILED_AT, datetime.now(UTC).isoformat().encode()),
    ]


async def replay_dlq(bootstrap: str, topic: str, idle_seconds: float = 2.0) -> int:
    """Re-publish every message of DLQ `topic` not replayed before to its source topic.
    Progress is the offset of consumer group `<topic>.replay`, so a second run replays
    nothing twice. Consumers' inboxes make a replay of an already-handled event harmless."""
    group = f"{topic}.replay"
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    producer = make_producer(bootstrap, group)
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        parts: set[TopicPartition] = set()
        deadline = asyncio.get_running_loop().time() + 15
        while not parts and asyncio.get_running_loop().time() < deadline:
            parts = consumer.assignment()
            if not parts:
                await asyncio.sleep(0.2)
        ends = await consumer.end_offsets(list(parts)) if parts else {}
        while True:
            positions = {tp: await consumer.position(tp) for tp in parts}
            if all(positions[tp] >= ends.get(tp, 0) for tp in parts):
                break
            batch = await consumer.getmany(timeout_ms=int(idle_seconds * 1000))
            if not batch:
                continue
            for tp, msgs in batch.items():
                for msg in msgs:
                    headers = dict(msg.headers or ())
                    source = headers.get(H_TOPIC, b"").decode()
                    if not source:
                        log.warning(
                            "dlq message without source topic",
                            extra={"partition": tp.partition, "offset": msg.offset},
                        )
                        continue
                    kept = [(k, v) for k, v in (msg.headers or ()) if k not in DLQ_HEADERS]
                    await producer.send_and_wait(
                        source,
                        value=msg.value,
                        key=msg.key,
                        headers=[*kept, (H_REPLAYED, topic.encode())],
                    )
                    replayed += 1
                await consumer.commit({TopicPartition(tp.topic, tp.partition): msgs[-1].offset + 1})
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed
