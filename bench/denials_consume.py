"""Adjudication events from Kafka to committed denial work items, beside a baseline in the
same run: a bare aiokafka consume loop over the same records (fetch only, nothing parsed
or stored).

N events (default 20,000, every one a denial: the worst case, each one a work item, its
line, its history row, an adjudication row and an outbox event) go onto a private topic
first; then the denials consumer (the service's own handlers, in the batch mode the service
runs with) drains them. The clock starts when the consumer has its partitions and stops
when the last work item is committed; beside the rate it prints this process's CPU time
per event, steadier than wall time on a shared machine. With --single it also runs the
one-event-per-transaction mode over a quarter of the events, for comparison.

    deploy/uv run python -m bench.denials_consume [--events 20000] [--single]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import date
from decimal import Decimal

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import func, select, text

from bench.kafka_loop import Run, baseline, produce, row
from rcm_denials.handlers import BATCH_HANDLERS, HANDLERS
from rcm_denials.models import Denial
from rcm_shared.db import make_engine, make_sessionmaker
from rcm_shared.db.migrations import upgrade_to_head
from rcm_shared.events.catalog import new_event
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated
from rcm_shared.messaging.consumer import ConsumerRunner
from rcm_shared.messaging.topology import SUBSCRIPTIONS, all_topics
from rcm_shared.testing.fixtures import REPO, database_url, kafka_bootstrap

REASONS = [
    ("CO", "16", ["M51"]),
    ("CO", "197", []),
    ("CO", "50", ["N386"]),
    ("CO", "18", []),
    ("CO", "29", []),
    ("PR", "204", []),
    ("CO", "97", ["M15"]),
    ("CO", "22", []),
]


def payment(n: int, tenant: str) -> bytes:
    group, carc, remarks = REASONS[n % len(REASONS)]
    claim = str(uuid.uuid4())
    charge = Decimal(100 + n % 400)
    payload = ClaimPaymentAdjudicated(
        claim_key=claim,
        claim_id=claim,
        patient_control_number=f"B{n:09d}",
        remittance_id="bench",
        payment_id=str(uuid.uuid4()),
        payer_id="87726",
        payer_claim_control_number=f"ICN{n}",
        claim_status_code="4",
        total_charge=charge,
        paid_amount=Decimal("0.00"),
        patient_responsibility=Decimal("0.00"),
        lines=[
            AdjudicatedLine(
                procedure_code="97110",
                modifiers=["GP"] if n % 2 else [],
                charge=charge,
                paid=Decimal("0.00"),
                adjustments=[Adjustment(group_code=group, reason_code=carc, amount=charge)],
                remark_codes=remarks,
            )
        ],
        remittance_date=date.today(),
        clinic_id="bench-clinic",
    )
    return new_event(payload, tenant_id=tenant, source="/bench").to_bytes()


async def ours(prefix: str, tenant: str, n: int, batch: bool) -> Run:
    url = database_url("denials")
    engine = make_engine(url, pool_size=5, application_name="bench-denials")
    sessions = make_sessionmaker(engine)
    runner = ConsumerRunner(
        sessions,
        service="denials",
        group=f"denials-{uuid.uuid4().hex[:6]}",
        topics=list(SUBSCRIPTIONS["denials"]),
        handlers=HANDLERS,
        batch_handlers=BATCH_HANDLERS if batch else None,
        bootstrap=kafka_bootstrap(),
        prefix=prefix,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await runner.assigned.wait()
        started, cpu = time.perf_counter(), time.process_time()
        async with engine.connect() as conn:
            while True:
                done = await conn.scalar(
                    select(func.count()).select_from(Denial).where(Denial.tenant_id == tenant)
                )
                await conn.rollback()
                if done >= n:
                    break
                if task.done():
                    task.result()
                await asyncio.sleep(0.1)
        elapsed = Run(time.perf_counter() - started, time.process_time() - cpu)
    finally:
        stop.set()
        await task
        await engine.dispose()
    print(
        f"  ({runner.batches} batches, {runner.batch_fallbacks} fell back, "
        f"{runner.dead_lettered} dead-lettered)"
    )
    return elapsed


async def scenario(n: int, batch: bool) -> tuple[Run, Run]:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    url = database_url("denials")
    await upgrade_to_head(REPO / "services" / "denials", url)
    engine = make_engine(url, pool_size=1)
    async with engine.begin() as conn:  # the tenant is known to the service
        await conn.execute(
            text(
                "INSERT INTO clinic_directory (tenant_id, clinic_id, name, npi, version) "
                "VALUES (:t, 'bench-clinic', 'Bench Clinic', '1245319599', 1)"
            ),
            {"t": tenant},
        )
    await engine.dispose()
    try:
        await admin.create_topics([NewTopic(t, p, 1) for t, p in all_topics(prefix).items()])
        topic = prefix + "rcm.remittance"
        records = []
        for i in range(n):
            value = payment(i, tenant)
            records.append((str(i).encode(), value))
        await produce(topic, records)
        base = await baseline(topic, n)
        mine = await ours(prefix, tenant, n, batch)
        return base, mine
    finally:
        existing = [t for t in await admin.list_topics() if t.startswith(prefix)]
        await admin.delete_topics(existing)
        await admin.close()


async def run(n: int, single: bool) -> None:
    print(f"\n{n} adjudication events (all denials), 6 partitions, one consumer")
    base, mine = await scenario(n, batch=True)
    print(f"baseline: bare aiokafka consume loop     {row(n, base)}")
    print(f"denials consumer, batch mode            {row(n, mine)}  target 2000")
    if single:
        quarter = max(1, n // 4)
        base, mine = await scenario(quarter, batch=False)
        print(f"baseline over {quarter} events            {row(quarter, base)}")
        print(f"denials consumer, one event per txn     {row(quarter, mine)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--single", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.events, args.single))


if __name__ == "__main__":
    main()
