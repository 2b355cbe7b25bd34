"""Adjudication events from Kafka to committed patient ledger entries, beside a baseline in
the same run: a bare aiokafka consume loop over the same records (fetch only).

N claims are taken in first (their ClaimCreated events, consumed before the clock starts,
as in life: a claim's 835 comes weeks after it). Then N adjudications, each with a patient
share on two lines (a deductible and a coinsurance: two ledger entries, an adjudication
row, the visit's settlement), go onto the topic, and the patients consumer (the service's
handlers, batch mode as it runs) drains them. The clock runs from the consumer having its
partitions to the last entry committed; beside the rate, this process's CPU per event.

    deploy/uv run python -m bench.patients_consume [--events 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import func, select

from bench.kafka_loop import Run, baseline, produce, row
from rcm_patients.handlers import BATCH_HANDLERS, HANDLERS
from rcm_patients.models import LedgerEntry, VisitClaim
from rcm_shared.db import make_engine, make_sessionmaker
from rcm_shared.db.migrations import upgrade_to_head
from rcm_shared.events.catalog import new_event
from rcm_shared.events.claims import ClaimCreated, ClaimLineSummary
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated
from rcm_shared.messaging.consumer import ConsumerRunner
from rcm_shared.messaging.topology import SUBSCRIPTIONS, all_topics
from rcm_shared.testing.fixtures import REPO, database_url, kafka_bootstrap

D = Decimal
DOS = date.today()


def claim_event(claim_id: str, n: int, tenant: str) -> bytes:
    lines = [
        ClaimLineSummary(line_number=1, procedure_code="99213", modifiers=[], charge=D("150"),
                         units=D(1), service_date=DOS),
        ClaimLineSummary(line_number=2, procedure_code="85025", modifiers=[], charge=D("50"),
                         units=D(1), service_date=DOS),
    ]  # fmt: skip
    payload = ClaimCreated(
        claim_id=claim_id,
        patient_control_number=f"B{n:09d}",
        clinic_id="bench-clinic",
        payer_id="87726",
        status="draft",
        occurred_at=datetime.now(UTC),
        patient_key=uuid.uuid4().hex,
        rendering_provider_id=None,
        frequency_code="1",
        total_charge=D("200"),
        service_date_from=DOS,
        service_date_to=DOS,
        diagnosis_codes=["I10"],
        lines=lines,
    )
    return new_event(payload, tenant_id=tenant, source="/bench").to_bytes()


def payment_event(claim_id: str, n: int, tenant: str) -> bytes:
    def adj(group: str, carc: str, amount: str) -> Adjustment:
        return Adjustment(group_code=group, reason_code=carc, amount=D(amount))

    payload = ClaimPaymentAdjudicated(
        claim_key=claim_id,
        claim_id=claim_id,
        patient_control_number=f"B{n:09d}",
        remittance_id="bench",
        payment_id=str(uuid.uuid4()),
        payer_id="87726",
        payer_claim_control_number=f"ICN{n}",
        claim_status_code="1",
        total_charge=D("200"),
        paid_amount=D("110"),
        patient_responsibility=D("50"),
        lines=[
            AdjudicatedLine(
                procedure_code="99213",
                charge=D("150"),
                paid=D("80"),
                adjustments=[adj("CO", "45", "30"), adj("PR", "1", "40")],
            ),
            AdjudicatedLine(
                procedure_code="85025",
                charge=D("50"),
                paid=D("30"),
                adjustments=[adj("CO", "45", "10"), adj("PR", "2", "10")],
            ),
        ],
        remittance_date=DOS,
        clinic_id="bench-clinic",
    )
    return new_event(payload, tenant_id=tenant, source="/bench").to_bytes()


async def consume_until(
    prefix: str, group: str, done: int, count: object, tenant: str
) -> tuple[Run, ConsumerRunner]:
    """The patients consumer, until `count` (a select of rows) reaches `done`."""
    url = database_url("patients")
    engine = make_engine(url, pool_size=5, application_name="bench-patients")
    runner = ConsumerRunner(
        make_sessionmaker(engine),
        service="patients",
        group=group,
        topics=list(SUBSCRIPTIONS["patients"]),
        handlers=HANDLERS,
        batch_handlers=BATCH_HANDLERS,
        bootstrap=kafka_bootstrap(),
        prefix=prefix,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await runner.assigned.wait()
        started, cpu = time.perf_counter(), time.process_time()
        async with engine.connect() as conn:
            while (await conn.scalar(count)) < done:  # type: ignore[call-overload]
                await conn.rollback()
                if task.done():
                    task.result()
                await asyncio.sleep(0.1)
        elapsed = Run(time.perf_counter() - started, time.process_time() - cpu)
    finally:
        stop.set()
        await task
        await engine.dispose()
    return elapsed, runner


async def run(n: int) -> None:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    group = f"patients-{uuid.uuid4().hex[:6]}"
    await upgrade_to_head(REPO / "services" / "patients", database_url("patients"))
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, p, 1) for t, p in all_topics(prefix).items()])
        claim_ids = [str(uuid.uuid4()) for _ in range(n)]
        await produce(
            prefix + "rcm.claims",
            [(c.encode(), claim_event(c, i, tenant)) for i, c in enumerate(claim_ids)],
        )
        claims_in = select(func.count()).where(VisitClaim.tenant_id == tenant)
        taken, _ = await consume_until(prefix, group, n, claims_in, tenant)
        print(f"\n{n} claims taken in first ({n / taken.seconds:.0f} ClaimCreated/s, untimed)")
        topic = prefix + "rcm.remittance"
        await produce(
            topic, [(c.encode(), payment_event(c, i, tenant)) for i, c in enumerate(claim_ids)]
        )
        base = await baseline(topic, n)
        entries = select(func.count()).where(LedgerEntry.tenant_id == tenant)
        mine, runner = await consume_until(prefix, group, 2 * n, entries, tenant)
    finally:
        existing = [t for t in await admin.list_topics() if t.startswith(prefix)]
        await admin.delete_topics(existing)
        await admin.close()
    print(f"{n} adjudication events (2 ledger entries each), 6 partitions, one consumer")
    print(f"baseline: bare aiokafka consume loop     {row(n, base)}")
    print(f"patients ledger consumer, batch mode    {row(n, mine)}  target 2000")
    print(f"  ({runner.batches} batches, {runner.batch_fallbacks} fell back)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    asyncio.run(run(args.events))


if __name__ == "__main__":
    main()
