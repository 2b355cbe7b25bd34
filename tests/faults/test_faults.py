"""A billing day of about 60 patients per case through the real processes and the sandbox,
with one fault injected mid-flow: a service SIGKILLed (and started again), the broker
SIGKILLed (and started again), PostgreSQL restarted fast, the sandbox down while claims
are sent. Afterwards the day must be consistent within a bounded wait: the billing day's
own checks, and nothing left in flight anywhere (outbox rows unsent, consumer lag,
dead letters)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from deploy.demo.checks import check_day, gather_facts
from deploy.demo.flow import Apis, Outcome, run_day
from deploy.demo.plan import build_day
from deploy.demo.progress import Bar, Quiet
from rcm_shared.messaging.topology import all_topics
from rcm_shared.testing.fixtures import bearer

from .conftest import TIMES, FaultStack

PATIENTS = 60
SERVICES = ("eligibility", "claims", "remittance", "denials")
CONSISTENT_WITHIN = 120.0  # seconds after the flow ends


class FaultAt(Quiet):
    """Progress that injects the fault when the flow reaches a step: when the bar `label`
    first shows `after` done items. The flow makes no request while its bar is updated,
    so what the fault interrupts is the services' own work (relays, consumers, workers)."""

    def __init__(self, label: str, fault: Callable[[], None], after: int = 0) -> None:
        super().__init__()
        self.label, self.fault, self.after = label, fault, after
        self.fired_at: float | None = None

    def bar(self, label: str) -> Bar:
        outer = self

        class Trigger(Bar):
            def update(self, done: int, total: int) -> None:
                if label == outer.label and outer.fired_at is None and done >= outer.after:
                    outer.fired_at = time.monotonic()
                    outer.fault()

            def close(self, failed: bool = False) -> None:
                pass

        return Trigger(label, self.stream, False)


def restart(fs: FaultStack, name: str) -> None:
    """SIGKILL, then start it again as `make up` would, and wait until it is ready."""
    fs.stack.stop_pid(fs.cfg, name, timeout=10, sig=signal.SIGKILL)
    if name == "sandbox":
        fs.stack.sandbox_start(fs.cfg)
    else:
        fs.stack.service_start(fs.cfg, name)
    fs.stack.services_wait_ready(fs.cfg, [name])


def kill_broker(fs: FaultStack) -> None:
    fs.stack.stop_pid(fs.cfg, "kafka", timeout=10, sig=signal.SIGKILL)
    time.sleep(2)  # the services notice: producers and consumers lose their connections
    fs.stack.kafka_start(fs.cfg)
    # the readiness probe runs its own event loop: not inside this test's
    with ThreadPoolExecutor(1) as pool:
        pool.submit(fs.stack.kafka_wait_ready, fs.cfg).result()


def restart_postgres(fs: FaultStack, seen: dict[str, list[int]]) -> None:
    """A fast shutdown and a start (what `pg_ctl restart -m fast` does), with the services'
    /readyz read while it is down and after it is back."""
    fs.stack.stop_pid(fs.cfg, "postgres", timeout=30, sig=signal.SIGINT)
    for name in SERVICES:
        seen[name].append(fs.stack.http_status(f"{fs.url(name)}/readyz"))
    fs.stack.pg_start(fs.cfg, fs.stack.check_prerequisites())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        codes = [fs.stack.http_status(f"{fs.url(n)}/readyz") for n in SERVICES]
        if all(c == 200 for c in codes):
            break
        time.sleep(0.3)
    for name in SERVICES:
        seen[name].append(fs.stack.http_status(f"{fs.url(name)}/readyz"))


def files_posted(folder: Path) -> int:
    return sum(1 for _ in folder.glob("processed/*.835")) if folder.is_dir() else 0


async def nothing_in_flight(fs: FaultStack) -> None:
    """Every outbox row sent, every consumer group at the end of its partitions, no
    message in a dead-letter topic."""
    for name in SERVICES:
        conn = await asyncpg.connect(fs.database_dsn(name))
        try:
            unsent = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        finally:
            await conn.close()
        assert unsent == 0, f"{name}: {unsent} outbox rows unsent"
    admin = AIOKafkaAdminClient(bootstrap_servers=fs.bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=fs.bootstrap)
    await admin.start()
    await consumer.start()
    try:
        dlqs = [TopicPartition(t, 0) for t in all_topics() if t.endswith(".dlq")]
        ends = await consumer.end_offsets(dlqs)
        assert all(v == 0 for v in ends.values()), {str(k): v for k, v in ends.items() if v}
        for group, _ in await admin.list_consumer_groups():
            committed = await admin.list_consumer_group_offsets(group)
            ends = await consumer.end_offsets(list(committed))
            lag = {str(tp): ends[tp] - meta.offset for tp, meta in committed.items()}
            assert all(v == 0 for v in lag.values()), (group, lag)
    finally:
        await consumer.stop()
        await admin.close()


async def a_day_with(
    fs: FaultStack, case: str, tenant: str, progress: FaultAt, seed: int
) -> tuple[Apis, Outcome, int]:
    clients = {
        name: httpx.AsyncClient(
            base_url=fs.url(name),
            headers=bearer(tenant),
            timeout=120,
            # a restarted service refuses connections for a moment: connect again
            transport=httpx.AsyncHTTPTransport(retries=8),
        )
        for name in (*SERVICES, "sandbox")
    }
    apis = Apis(**clients)
    day = build_day(tenant, date.today(), patients=PATIENTS, seed=seed)
    outcome = await run_day(apis, day, progress=progress, say=lambda _: None)
    assert progress.fired_at is not None, f"{case}: the fault was never injected"
    folder = fs.cfg.state / "clearinghouse" / "remittance" / tenant
    last: AssertionError | None = None
    deadline = time.monotonic() + CONSISTENT_WITHIN
    while time.monotonic() < deadline:
        try:
            facts = await gather_facts(apis, tenant, folder)
            check_day(facts, outcome, len(day.claims))
            await nothing_in_flight(fs)
        except AssertionError as exc:
            last = exc
            await asyncio.sleep(1)
            continue
        TIMES.append((case, time.monotonic() - progress.fired_at))
        for client in clients.values():
            await client.aclose()
        return apis, outcome, len(day.claims)
    for client in clients.values():
        await client.aclose()
    raise AssertionError(f"{case}: not consistent {CONSISTENT_WITHIN:.0f}s after the day") from last


def case_of(fs: FaultStack, case: str, seen: dict[str, list[int]]) -> FaultAt:
    def kill_remittance_while_posting() -> None:
        folder = fs.cfg.state / "clearinghouse" / "remittance"
        deadline = time.monotonic() + 10
        start = sum(files_posted(d) for d in folder.iterdir() if d.is_dir())
        # wait for the first of this step's 835s to be posted, then kill the poster
        while time.monotonic() < deadline:
            if sum(files_posted(d) for d in folder.iterdir() if d.is_dir()) > start:
                break
            time.sleep(0.05)
        restart(fs, "remittance")

    cases: dict[str, FaultAt] = {
        "claims SIGKILL during intake": FaultAt(
            "claims keyed and scrubbed", lambda: restart(fs, "claims"), after=1
        ),
        "claims SIGKILL during submission": FaultAt(
            "837s delivered to the clearinghouse", lambda: restart(fs, "claims")
        ),
        "remittance SIGKILL while 835s post": FaultAt("835s posted", kill_remittance_while_posting),
        "denials SIGKILL while it consumes": FaultAt(
            "835s posted", lambda: restart(fs, "denials"), after=1
        ),
        "Kafka broker SIGKILL": FaultAt("835s posted", lambda: kill_broker(fs)),
        "PostgreSQL fast restart": FaultAt(
            "837s delivered to the clearinghouse", lambda: restart_postgres(fs, seen)
        ),
        "sandbox down while claims are sent": FaultAt(
            "837s delivered to the clearinghouse", lambda: restart_sandbox_later(fs)
        ),
    }
    return cases[case]


def restart_sandbox_later(fs: FaultStack) -> None:
    """The clearinghouse away while the 837s are dropped in its mailbox: they wait there."""
    fs.stack.stop_pid(fs.cfg, "sandbox", timeout=10, sig=signal.SIGKILL)
    time.sleep(4)
    restart(fs, "sandbox")


CASES = [
    "claims SIGKILL during intake",
    "claims SIGKILL during submission",
    "remittance SIGKILL while 835s post",
    "denials SIGKILL while it consumes",
    "Kafka broker SIGKILL",
    "PostgreSQL fast restart",
    "sandbox down while claims are sent",
]


@pytest.mark.parametrize("case", CASES)
async def test_a_day_survives(fault_stack: FaultStack, tenant: str, case: str) -> None:
    seen: dict[str, list[int]] = {name: [] for name in SERVICES}
    progress = case_of(fault_stack, case, seen)
    await a_day_with(fault_stack, case, tenant, progress, seed=CASES.index(case) + 1)
    if case == "PostgreSQL fast restart":
        # down while the database was, ready again without a restart of their own
        assert {name: codes for name, codes in seen.items()} == {
            name: [503, 200] for name in SERVICES
        }
