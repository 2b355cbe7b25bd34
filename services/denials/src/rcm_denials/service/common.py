from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging import outbox

SOURCE = "/rcm/denials"


def now() -> datetime:
    return datetime.now(UTC)


def events_for(
    tenant_id: str, payloads: Sequence[EventPayload], cause: CloudEvent | None = None
) -> list[CloudEvent]:
    return [
        new_event(
            p,
            tenant_id=tenant_id,
            source=SOURCE,
            correlation_id=cause.correlationid if cause else None,
            causation_id=cause.id if cause else None,
        )
        for p in payloads
    ]


async def publish(
    session: AsyncSession, tenant_id: str, payload: EventPayload, cause: CloudEvent | None = None
) -> None:
    await outbox.add_all(session, events_for(tenant_id, [payload], cause))
