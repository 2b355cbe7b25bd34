"""The relay is a real worker process, killed with SIGKILL in the middle of 1,000 events.
After a restart every event arrives, order per key holds, and the consumer absorbs the
duplicates the crash caused."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from rcm_denials.app import create_app as denials_app
from rcm_denials.config import DenialsSettings
from rcm_denials.models import ClinicDirectoryEntry
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging import outbox
from rcm_shared.messaging.tables import inbox
from rcm_shared.messaging.tables import outbox as outbox_table
from rcm_shared.testing.fixtures import database_url, running, settings_for, wait_for

from .helpers import clinic_event, read_topic

CLINICS = 50
VERSIONS = 20  # 1 registration + 19 updates each: 1,000 events


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_worker(stack: dict[str, Any], log: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "RCM_ENV": "test",
        "RCM_CLAIMS_DATABASE_URL": database_url("claims"),
        "RCM_CLAIMS_KAFKA_BOOTSTRAP": stack["bootstrap"],
        "RCM_CLAIMS_KAFKA_PREFIX": stack["prefix"],
        "RCM_CLAIMS_RELAY_BATCH_SIZE": "10",  # many small batches: the kill lands mid-flight
        "RCM_CLAIMS_PORT": str(free_port()),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rcm_claims",
        "serve",
        "--role",
        "worker",
        env=env,
        stdout=log.open("ab"),
        stderr=asyncio.subprocess.STDOUT,
    )


async def sent_count(engine: AsyncEngine, tenant: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                select(func.count())
                .select_from(outbox_table)
                .where(outbox_table.c.tenant_id == tenant, outbox_table.c.sent_at.is_not(None))
            )
            or 0
        )


async def test_relay_sigkill_loses_nothing(
    stack: dict[str, Any], tenant: str, tmp_path: Path
) -> None:
    claims_db = stack["engines"]["claims"]
    clinic_ids = [str(uuid.uuid4()) for _ in range(CLINICS)]
    events = [
        clinic_event(tenant, cid, version, name=f"Clinic v{version}")
        for version in range(1, VERSIONS + 1)
        for cid in clinic_ids
    ]
    sessions = async_sessionmaker(claims_db)
    async with sessions() as session, session.begin():
        await outbox.add_all(session, events)
    total = len(events)

    log = tmp_path / "worker.log"
    worker = await start_worker(stack, log)
    try:

        async def some_sent() -> bool:
            return await sent_count(claims_db, tenant) >= 100

        await wait_for(some_sent, timeout=60, interval=0.01, what="the relay to start")
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    finally:
        if worker.returncode is None:
            worker.kill()
    at_kill = await sent_count(claims_db, tenant)
    assert at_kill < total, "the relay finished before it was killed: nothing was tested"

    worker = await start_worker(stack, log)
    try:

        async def all_sent() -> bool:
            return await sent_count(claims_db, tenant) == total

        await wait_for(all_sent, timeout=90, what="every event to be published")
        worker.send_signal(signal.SIGTERM)  # a clean shutdown, not another crash
        # uvicorn re-raises the signal once shutdown completed, hence -SIGTERM
        assert await asyncio.wait_for(worker.wait(), 30) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in log.read_text()
    finally:
        if worker.returncode is None:
            worker.kill()

    records = await read_topic(
        stack["bootstrap"], stack["prefix"] + "rcm.reference", until=total, tenant=tenant
    )
    first_seen: dict[str, list[int]] = defaultdict(list)
    ids: set[str] = set()
    for record in records:
        event = CloudEvent.from_bytes(record.value or b"")
        assert record.key == (event.subject or "").encode()
        if event.id in ids:
            continue
        ids.add(event.id)
        first_seen[event.subject or ""].append(int(event.data["version"]))
    assert len(ids) == total
    assert all(versions == list(range(1, VERSIONS + 1)) for versions in first_seen.values())
    print(
        f"sent before kill: {at_kill}; records read: {len(records)}; "
        f"duplicates on the wire: {len(records) - total}"
    )

    # The consumer side turns at-least-once delivery into one effect per event.
    denials = denials_app(settings_for(DenialsSettings, "denials"), run_workers=True)
    denials_db = stack["engines"]["denials"]
    async with running(denials):

        async def all_handled() -> bool:
            async with denials_db.connect() as conn:
                n = await conn.scalar(
                    select(func.count()).select_from(inbox).where(inbox.c.tenant_id == tenant)
                )
            return n == total

        await wait_for(all_handled, timeout=90, what="every event to be handled")
    async with denials_db.connect() as conn:
        rows = (
            await conn.execute(
                select(ClinicDirectoryEntry.version, func.count())
                .where(ClinicDirectoryEntry.tenant_id == tenant)
                .group_by(ClinicDirectoryEntry.version)
            )
        ).all()
    assert [tuple(r) for r in rows] == [(VERSIONS, CLINICS)]
