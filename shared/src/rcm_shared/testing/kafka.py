"""Reading what really reached Kafka, for tests that check events end to end."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, ConsumerRecord

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
