"""Helpers the backbone tests share: clinic payloads, raw Kafka reads, outbox staging."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from rcm_shared.events.catalog import new_event
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.reference import Address, ClinicRegistered, ClinicUpdated

ADDRESS = Address(line1="1 Main St", city="Springfield", state="IL", postal_code="62701")
VALID_NPI = "1245319599"


def clinic_body(name: str = "Main St Clinic", npi: str = VALID_NPI) -> dict[str, Any]:
    return {
        "name": name,
        "npi": npi,
        "tax_id": "123456789",
        "taxonomy_code": "207Q00000X",
        "address": ADDRESS.model_dump(),
    }


def clinic_event(tenant: str, clinic_id: str, version: int, name: str = "Clinic") -> CloudEvent:
    model = ClinicRegistered if version == 1 else ClinicUpdated
    payload = model(
        clinic_id=clinic_id,
        name=name,
        npi=VALID_NPI,
        tax_id="123456789",
        taxonomy_code="207Q00000X",
        address=ADDRESS,
        version=version,
    )
    return new_event(payload, tenant_id=tenant, source="/tests")


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
