"""A row and its outbox event, committed together in the claims service, reach the denials
service's consumer through Kafka; the same event delivered twice acts once."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, text

from rcm_claims.app import create_app as claims_app
from rcm_claims.config import ClaimsSettings
from rcm_denials.app import create_app as denials_app
from rcm_denials.config import DenialsSettings
from rcm_denials.models import ClinicDirectoryEntry
from rcm_shared.messaging.tables import inbox
from rcm_shared.testing.fixtures import bearer, running, settings_for, wait_for

from .helpers import clinic_body, read_topic


async def test_clinic_reaches_denials_once(stack: dict[str, Any], tenant: str) -> None:
    claims = claims_app(settings_for(ClaimsSettings, "claims"), run_workers=True)
    denials = denials_app(settings_for(DenialsSettings, "denials"), run_workers=True)
    denials_db = stack["engines"]["denials"]

    async def directory() -> list[ClinicDirectoryEntry]:
        async with denials_db.connect() as conn:
            rows = await conn.execute(
                select(ClinicDirectoryEntry.__table__).where(
                    ClinicDirectoryEntry.tenant_id == tenant
                )
            )
            return list(rows.all())  # type: ignore[arg-type]

    async with running(claims) as api, running(denials):
        consumer = denials.state.runtime.consumer
        created = await api.post("/v1/clinics", json=clinic_body(), headers=bearer(tenant))
        assert created.status_code == 201, created.text
        clinic_id = created.json()["id"]

        async def arrived() -> bool:
            return len(await directory()) == 1

        await wait_for(arrived, what="clinic in the denials directory")
        [entry] = await directory()
        assert (entry.clinic_id, entry.name, entry.version) == (clinic_id, "Main St Clinic", 1)

        # Deliver the very same Kafka record again: the inbox must absorb it.
        [record] = await read_topic(
            stack["bootstrap"], stack["prefix"] + "rcm.reference", until=1, tenant=tenant
        )
        duplicates_before = consumer.duplicates
        producer = AIOKafkaProducer(bootstrap_servers=stack["bootstrap"])
        await producer.start()
        try:
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, headers=list(record.headers)
            )
        finally:
            await producer.stop()

        async def absorbed() -> bool:
            return bool(consumer.duplicates > duplicates_before)

        await wait_for(absorbed, what="the duplicate to be seen and skipped")

        # One update moves the copy forward exactly once.
        body = clinic_body(name="Main Street Clinic")
        updated = await api.put(f"/v1/clinics/{clinic_id}", json=body, headers=bearer(tenant))
        assert updated.status_code == 200, updated.text

        async def moved() -> bool:
            rows = await directory()
            return bool(rows and rows[0].version == 2)

        await wait_for(moved, what="the update in the denials directory")
        [entry] = await directory()
        assert entry.name == "Main Street Clinic"

    async with denials_db.connect() as conn:
        handled = await conn.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.tenant_id == tenant)
        )
        await conn.execute(text("SELECT 1"))
    assert handled == 2  # registered + updated, the redelivery not counted twice
