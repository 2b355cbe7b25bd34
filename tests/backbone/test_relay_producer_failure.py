"""Fault injection: the relay's producer fails with a fatal error mid-batch. The relay
records the failure on the rows, starts a new producer, and every event still arrives."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import OutOfOrderSequenceNumber
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from rcm_shared.messaging import outbox
from rcm_shared.messaging.kafka import make_producer
from rcm_shared.messaging.relay import OutboxRelay
from rcm_shared.messaging.tables import outbox as outbox_table
from rcm_shared.testing.fixtures import wait_for

from .helpers import clinic_event, read_topic


class BrokenProducer(AIOKafkaProducer):  # type: ignore[misc]
    """A real producer whose sends fail the way a fenced/out-of-sequence producer does."""

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        raise OutOfOrderSequenceNumber()


async def test_relay_replaces_a_failed_producer(stack: dict[str, Any], tenant: str) -> None:
    engine = stack["engines"]["claims"]
    events = [clinic_event(tenant, str(uuid.uuid4()), 1) for _ in range(5)]
    async with async_sessionmaker(engine)() as session, session.begin():
        await outbox.add_all(session, events)

    made: list[AIOKafkaProducer] = []

    def factory(bootstrap: str, client_id: str) -> AIOKafkaProducer:
        producer = (
            BrokenProducer(bootstrap_servers=bootstrap)
            if not made
            else make_producer(bootstrap, client_id)
        )
        made.append(producer)
        return producer

    relay = OutboxRelay(
        engine,
        service="claims",
        bootstrap=stack["bootstrap"],
        topic_prefix=stack["prefix"],
        poll_seconds=0.1,
        producer_factory=factory,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))

    async def rows() -> list[Any]:
        async with engine.connect() as conn:
            result = await conn.execute(
                select(
                    outbox_table.c.sent_at, outbox_table.c.attempts, outbox_table.c.last_error
                ).where(outbox_table.c.tenant_id == tenant)
            )
            return list(result.all())

    async def all_sent() -> bool:
        return all(r.sent_at is not None for r in await rows())

    try:
        await wait_for(all_sent, timeout=60, what="the relay to publish after its failure")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)

    assert len(made) == 2, "the relay should have replaced the broken producer once"
    assert {(r.attempts, r.last_error) for r in await rows()} == {
        (1, "OutOfOrderSequenceNumber: [Error 45] OutOfOrderSequenceNumber")
    }
    records = await read_topic(
        stack["bootstrap"], stack["prefix"] + "rcm.reference", until=5, tenant=tenant
    )
    assert len({r.value for r in records}) == 5
