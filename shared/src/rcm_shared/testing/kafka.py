"""Reading what really reached Kafka, for tests that check events end to end, and putting
events on this run's topics as their publishers would (each on its payload type's topic,
keyed by its subject)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from rcm_shared.events.catalog import CATALOG
from rcm_shared.events.envelope import CloudEvent


async def read_topic(
    bootstrap: str, topic: str, until: int, tenant: str, timeout: float = 60.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of `tenant` on `topic`, from the beginning, until `until` distinct event
    ids were seen (duplicates included in the result)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    seen: set[str] = set()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(seen) < until and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for msgs in batch.values():
                for msg in msgs:
                    try:
                        event = CloudEvent.from_bytes(msg.value or b"")
                    except ValueError:
                        continue  # another test's deliberately unreadable message
                    if event.tenantid == tenant:
                        records.append(msg)
                        seen.add(event.id)
    finally:
        await consumer.stop()
    return records


async def publish_events(
    stack: dict[str, Any], events: Sequence[CloudEvent], times: int = 2
) -> None:
    """Every event `times` times, in order: a consumer must act on each once."""
    producer = AIOKafkaProducer(bootstrap_servers=stack["bootstrap"])
    await producer.start()
    try:
        for _ in range(times):
            for event in events:
                await producer.send_and_wait(
                    stack["prefix"] + CATALOG[event.type].topic,
                    event.to_bytes(),
                    key=(event.subject or "").encode(),
                )
    finally:
        await producer.stop()
