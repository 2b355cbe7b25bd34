from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging import outbox

SOURCE = "/rcm/patients"


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


async def publish(
    session: AsyncSession,
    tenant_id: str,
    payloads: Sequence[EventPayload],
    cause: CloudEvent | None = None,
) -> None:
    await outbox.add_all(
        session,
        [
            new_event(
                p,
                tenant_id=tenant_id,
                source=SOURCE,
                correlation_id=cause.correlationid if cause else None,
                causation_id=cause.id if cause else None,
            )
            for p in payloads
        ],
    )
