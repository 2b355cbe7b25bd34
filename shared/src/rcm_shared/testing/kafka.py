"""Putting events on this run's topics as their publishers would: each event on its
payload type's topic, keyed by its subject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from rcm_shared.events.catalog import CATALOG
from rcm_shared.events.envelope import CloudEvent


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
