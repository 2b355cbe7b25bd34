"""A handler that always fails for one event: after the retries that event is on the DLQ
with its source and reason in the headers, later events are still handled, and
`rcm-admin replay-dlq` brings it back once the cause is fixed."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging.consumer import ConsumerRunner
from rcm_shared.messaging.dlq import DescribedError, dlq_topic
from rcm_shared.testing.fixtures import wait_for

from .helpers import clinic_event


class PayerTableMissing(DescribedError):
    """A transient-looking failure (retried), with a message safe for headers."""


async def test_poison_message_goes_to_dlq_and_replays(stack: dict[str, Any], tenant: str) -> None:
    topic = "rcm.reference"
    group = f"poison-{uuid.uuid4().hex[:6]}"
    events = [clinic_event(tenant, str(uuid.uuid4()), 1, name=f"Clinic {i}") for i in range(3)]
    poison = events[1]
    broken = {"on": True}
    handled: list[str] = []

    async def handler(_: AsyncSession, event: CloudEvent) -> None:
        if event.tenantid != tenant:
            return
        if broken["on"] and event.id == poison.id:
            raise PayerTableMissing("payer table missing")
        handled.append(event.id)

    runner = ConsumerRunner(
        async_sessionmaker(stack["engines"]["denials"]),
        service="denials",
        group=group,
        topics=[topic],
        handlers={poison.type: handler},
        bootstrap=stack["bootstrap"],
        prefix=stack["prefix"],
        max_attempts=3,
        backoff_seconds=0.05,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    producer = AIOKafkaProducer(bootstrap_servers=stack["bootstrap"])
    await producer.start()
    try:
        # One key for all three, so they share a partition and the third one comes after
        # the poison message: it must still be handled.
        for event in events:
            await producer.send_and_wait(stack["prefix"] + topic, event.to_bytes(), key=b"k")

        async def others_handled() -> bool:
            return len(handled) == 2 and runner.dead_lettered == 1

        await wait_for(others_handled, timeout=60, what="the two good events and one DLQ")
        assert handled == [events[0].id, events[2].id]

        dlq = dlq_topic(stack["prefix"] + topic, group)
        reader = AIOKafkaConsumer(
            dlq,
            bootstrap_servers=stack["bootstrap"],
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}",
        )
        await reader.start()
        try:
            msg = await asyncio.wait_for(reader.getone(), 30)
        finally:
            await reader.stop()
        headers = {k: v.decode() for k, v in msg.headers}
        assert CloudEvent.from_bytes(msg.value or b"").id == poison.id
        assert headers["dlq-source-topic"] == stack["prefix"] + topic
        assert headers["dlq-source-partition"].isdigit()
        assert headers["dlq-source-offset"].isdigit()
        assert headers["dlq-attempts"] == "3"
        assert headers["dlq-error"] == "PayerTableMissing: payer table missing"

        broken["on"] = False
        replay = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "rcm_shared.admin",
            "replay-dlq",
            "--topic",
            dlq,
            "--bootstrap",
            stack["bootstrap"],
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(replay.communicate(), 60)
        assert replay.returncode == 0
        assert b"replayed 1 message" in out

        async def poison_handled() -> bool:
            return poison.id in handled

        await wait_for(poison_handled, timeout=60, what="the replayed event")
        assert sorted(handled) == sorted(e.id for e in events)

        # A second replay finds nothing new: the replay group remembers its position.
        again = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "rcm_shared.admin",
            "replay-dlq",
            "--topic",
            dlq,
            "--bootstrap",
            stack["bootstrap"],
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(again.communicate(), 60)
        assert b"replayed 0 message" in out
    finally:
        await producer.stop()
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_unreadable_messages_go_straight_to_dlq(stack: dict[str, Any], tenant: str) -> None:
    """Not JSON, or an envelope without a tenant: no retry can help, so no retries."""
    topic = "rcm.reference"
    group = f"garbage-{uuid.uuid4().hex[:6]}"
    good = clinic_event(tenant, str(uuid.uuid4()), 1)
    handled: list[str] = []

    async def handler(_: AsyncSession, event: CloudEvent) -> None:
        if event.tenantid == tenant:
            handled.append(event.id)

    runner = ConsumerRunner(
        async_sessionmaker(stack["engines"]["denials"]),
        service="denials",
        group=group,
        topics=[topic],
        handlers={good.type: handler},
        bootstrap=stack["bootstrap"],
        prefix=stack["prefix"],
        max_attempts=3,
        backoff_seconds=0.05,
    )
    no_tenant = good.model_dump(mode="json")
    del no_tenant["tenantid"]
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    producer = AIOKafkaProducer(bootstrap_servers=stack["bootstrap"])
    await producer.start()
    try:
        for value in (b"{not json", json.dumps(no_tenant).encode(), good.to_bytes()):
            await producer.send_and_wait(stack["prefix"] + topic, value, key=b"g")

        async def done() -> bool:
            return handled == [good.id] and runner.dead_lettered == 2

        await wait_for(done, timeout=60, what="two dead letters and the good event")
        reader = AIOKafkaConsumer(
            dlq_topic(stack["prefix"] + topic, group),
            bootstrap_servers=stack["bootstrap"],
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}",
        )
        await reader.start()
        try:
            first = await asyncio.wait_for(reader.getone(), 30)
            second = await asyncio.wait_for(reader.getone(), 30)
        finally:
            await reader.stop()
        for msg in (first, second):
            headers = {k: v.decode() for k, v in msg.headers}
            assert headers["dlq-attempts"] == "1"
            assert headers["dlq-error"].startswith("ValidationError")
        assert "tenantid" in dict(second.headers)["dlq-error"].decode()
    finally:
        await producer.stop()
        stop.set()
        await asyncio.wait_for(task, 30)
