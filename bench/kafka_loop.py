"""What the consumer benchmarks share: producing records fast, the bare aiokafka loop
they are measured beside, and how a run is printed."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from rcm_shared.testing.fixtures import kafka_bootstrap


async def produce(topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap(), linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


@dataclass
class Run:
    seconds: float  # wall clock, first fetch to last commit
    cpu: float  # this process's CPU time over the same span (steadier on a shared machine)


async def baseline(topic: str, n: int) -> Run:
    """A bare consume loop over the same records: fetch and commit, nothing parsed or stored."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap(),
        group_id=f"bench-bare-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    await consumer.start()
    try:
        while not consumer.assignment():  # noqa: ASYNC110 - aiokafka has no event for it
            await asyncio.sleep(0.05)
        started, cpu, seen = time.perf_counter(), time.process_time(), 0
        while seen < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, messages in batch.items():
                seen += len(messages)
                await consumer.commit({tp: messages[-1].offset + 1})
        return Run(time.perf_counter() - started, time.process_time() - cpu)
    finally:
        await consumer.stop()


def row(n: int, run: Run) -> str:
    return (
        f"{n / run.seconds:8.0f} events/s  ({run.seconds:.1f} s, "
        f"CPU {run.cpu / n * 1000:.3f} ms/event)"
    )
